/**
 * The dashboard's stylesheet, served by the app itself at `assets/dashboard.css` (no build step,
 * nothing from a CDN). Kept as a string so `tsc` ships it in `dist/` without copying assets.
 */
export const pageStyle = String.raw`
:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #667085; --line: #e3e6eb; --accent: #2f5bea;
  --queued: #2f5bea; --delayed: #7a5af8; --running: #0e9384; --retrying: #dc6803; --succeeded: #12b76a;
  --dead: #d92d20; --cancelled: #667085;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
header { display: flex; align-items: baseline; gap: 12px; padding: 14px 24px; background: var(--ink); color: #fff; }
header h1 { margin: 0; font-size: 18px; letter-spacing: .02em; }
header .meta { color: #b8c0cc; font-size: 12px; }
header .live { margin-left: auto; font-size: 12px; color: #b8c0cc; }
header .live.stale { color: #fda29b; }
main { padding: 16px 24px 32px; display: grid; gap: 16px; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; min-width: 0; }
section h2 { margin: 0 0 10px; font-size: 14px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.full { grid-column: 1 / -1; }
.counts { display: grid; grid-template-columns: repeat(7, minmax(0, 1fr)) minmax(0, 1.3fr); gap: 10px; }
.count { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--panel); cursor: pointer; text-align: left; font: inherit; color: inherit; border-top: 4px solid var(--c, var(--line)); }
.count:hover, .count.active { background: #f0f4ff; }
.count .n { display: block; font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.count .label { color: var(--muted); font-size: 12px; text-transform: capitalize; }
.count.age { cursor: default; }
.count.age:hover { background: var(--panel); }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 10px; }
.toolbar .spacer, .chart-head .spacer { flex: 1; }
select, input[type=search] { font: inherit; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
button.btn { font: inherit; padding: 5px 12px; border-radius: 6px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
button.btn:hover:not(:disabled) { background: #f2f4f7; }
button.btn:disabled { opacity: .45; cursor: default; }
button.btn.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.btn.danger { color: var(--dead); border-color: #fecdca; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 7px 8px; vertical-align: top; overflow-wrap: anywhere; }
tbody tr.job { cursor: pointer; }
tbody tr.job:hover { background: #f8f9fc; }
tbody tr.job.selected { background: #eef2ff; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; background: var(--c, var(--muted)); }
.s-queued { --c: var(--queued); } .s-delayed { --c: var(--delayed); } .s-running { --c: var(--running); }
.s-retrying { --c: var(--retrying); } .s-succeeded { --c: var(--succeeded); } .s-dead { --c: var(--dead); }
.s-cancelled { --c: var(--cancelled); }
.pager { display: flex; gap: 8px; align-items: center; justify-content: flex-end; margin-top: 10px; color: var(--muted); }
.empty { color: var(--muted); padding: 14px 4px; }
dl.props { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0 0 12px; }
dl.props dt { color: var(--muted); }
dl.props dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f8f9fb; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin: 4px 0 12px; max-height: 220px; overflow: auto; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.problem { border-left: 4px solid var(--dead); background: #fef3f2; padding: 8px 12px; border-radius: 0 6px 6px 0; margin-bottom: 12px; }
.problem.past { border-left-color: var(--muted); background: #f8f9fb; }
.problem .title { font-weight: 650; }
.problem pre { background: #fff; }
h3 { font-size: 13px; margin: 12px 0 4px; color: var(--muted); }
.actions { display: flex; gap: 8px; margin: 4px 0 12px; }
ol.timeline { list-style: none; margin: 0; padding: 0 0 0 14px; border-left: 2px solid var(--line); }
ol.timeline li { position: relative; padding: 2px 0 8px 8px; }
ol.timeline li::before { content: ""; position: absolute; left: -20px; top: 8px; width: 10px; height: 10px; border-radius: 50%; background: var(--c, var(--muted)); }
ol.timeline .when { color: var(--muted); font-size: 12px; margin-left: 6px; }
.t-succeeded { --c: var(--succeeded); } .t-failed, .t-dead, .t-lease-expired { --c: var(--dead); } .t-retrying { --c: var(--retrying); }
.t-claimed { --c: var(--running); } .t-enqueued, .t-retried { --c: var(--queued); }
progress { width: 160px; vertical-align: middle; }
.notice { position: fixed; right: 20px; bottom: 20px; max-width: 420px; padding: 10px 14px; border-radius: 8px; background: var(--ink); color: #fff; box-shadow: 0 4px 16px rgba(0,0,0,.2); }
.notice.error { background: var(--dead); }
.notice[hidden] { display: none; }
header nav { display: flex; gap: 4px; margin-left: 18px; align-self: center; }
header nav a { color: #b8c0cc; text-decoration: none; padding: 4px 10px; border-radius: 6px; font-size: 13px; font-weight: 600; }
header nav a:hover { color: #fff; background: rgba(255,255,255,.08); }
header nav a.active { color: #fff; background: rgba(255,255,255,.16); }
body[data-view="overview"] .view-jobs, body[data-view="overview"] .view-workers,
body[data-view="jobs"] .view-overview, body[data-view="jobs"] .view-workers,
body[data-view="workers"] .view-overview, body[data-view="workers"] .view-jobs { display: none; }
.chart-head { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; }
.chart-head h2 { margin-bottom: 6px; }
.legend { color: var(--muted); font-size: 12px; display: inline-flex; align-items: center; gap: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-left: 6px; }
.k-succeeded { background: var(--succeeded); } .k-failed { background: var(--dead); } .k-queued { background: var(--queued); } .k-running { background: var(--running); }
.range { display: inline-flex; }
.range .btn { border-radius: 0; } .range .btn:first-child { border-radius: 6px 0 0 6px; } .range .btn:last-child { border-radius: 0 6px 6px 0; margin-left: -1px; }
button.btn.active, button.btn.active:hover:not(:disabled) { background: var(--ink); color: #fff; border-color: var(--ink); }
button.btn.danger-solid, button.btn.danger-solid:hover:not(:disabled) { background: var(--dead); border-color: var(--dead); color: #fff; }
button.btn.primary:hover:not(:disabled) { background: #2449c7; }
.chart { position: relative; min-height: 190px; }
.chart svg.plot { display: block; width: 100%; height: auto; }
.chart-empty { position: absolute; left: 0; right: 0; top: 70px; text-align: center; color: var(--muted); margin: 0; }
svg .grid { stroke: var(--line); stroke-width: 1; } svg .axis { stroke: #c4cad4; stroke-width: 1; }
svg .ylabel, svg .xlabel { fill: var(--muted); font-size: 11px; font-variant-numeric: tabular-nums; }
svg rect.succeeded { fill: var(--succeeded); } svg rect.failed { fill: var(--dead); }
svg rect.hit { fill: transparent; } svg .bar:hover rect.hit, svg rect.hit:hover { fill: rgba(29,35,48,.06); }
svg .line-queued { fill: none; stroke: var(--queued); stroke-width: 2; } svg .area-queued { fill: rgba(47,91,234,.12); }
svg .line-running { fill: none; stroke: var(--running); stroke-width: 2; stroke-dasharray: 4 3; }
svg.spark { display: block; } svg.spark path { fill: none; stroke: var(--accent); stroke-width: 1.5; }
h2 .sub { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: 6px; }
table.figures td, table.figures th { white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.bad { color: var(--dead); font-weight: 650; }
.muted { color: var(--muted); }
.chip { display: inline-block; padding: 1px 8px; margin: 1px 4px 1px 0; border-radius: 999px; background: #eef2ff; color: var(--accent); text-decoration: none; font-size: 12px; }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: var(--succeeded); margin-right: 8px; box-shadow: 0 0 0 3px rgba(18,183,106,.18); }
form.search { display: flex; gap: 8px; margin-bottom: 10px; }
form.search input { flex: 1; font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; }
dialog { border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; max-width: 460px; box-shadow: 0 12px 40px rgba(0,0,0,.25); }
dialog::backdrop { background: rgba(29,35,48,.45); }
dialog h3 { margin: 0 0 8px; font-size: 16px; color: var(--ink); }
dialog .actions { justify-content: flex-end; margin: 16px 0 0; }
@media (max-width: 1000px) { main { grid-template-columns: 1fr; } .counts { grid-template-columns: repeat(4, 1fr); } }
`;
