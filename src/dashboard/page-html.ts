/** What the page shell needs to know; everything else it reads from the JSON API. */
export interface PageContext {
  /** The dashboard's own path relative to the page's URL (`./dashboard`, or `.`), without a trailing slash: the page works under any prefix. */
  base: string;
  csrfToken: string;
  backendName: string;
  mode: 'dev' | 'production';
  taskFailures: boolean;
  mailbox: boolean;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => escapes[ch] ?? ch);
}

/**
 * The dashboard page: a static shell the script fills from the JSON API. No inline script or style,
 * so the Content-Security-Policy can forbid both; settings travel in `<meta>` and `data-` attributes.
 *
 * @example
 * c.html(renderPage({ base: '/dashboard', csrfToken, backendName: backend.name, mode: 'dev', taskFailures: true, mailbox: false }))
 */
export function renderPage(page: PageContext): string {
  const base = escapeHtml(page.base);
  const optional = (enabled: boolean, html: string): string => (enabled ? html : '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="errand-base" content="${base}">
<meta name="errand-csrf" content="${escapeHtml(page.csrfToken)}">
<title>errand dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}/assets/dashboard.css">
<script type="module" src="${base}/assets/dashboard.js"></script>
</head>
<body data-task-failures="${page.taskFailures ? '1' : '0'}" data-mailbox="${page.mailbox ? '1' : '0'}" data-view="overview">
<header>
  <h1>errand</h1>
  <nav aria-label="Views">
    <a href="#overview" data-nav="overview">Overview</a>
    <a href="#jobs" data-nav="jobs">Jobs</a>
    <a href="#workers" data-nav="workers">Workers</a>
  </nav>
  <span class="meta">backend <span class="mono">${escapeHtml(page.backendName)}</span> · ${page.mode} mode</span>
  <span class="live" id="live">connecting…</span>
</header>
<main>
  <section class="full" aria-label="Counts by state">
    <div class="counts" id="counts"></div>
  </section>
  <section class="full view-overview" aria-label="Throughput">
    <div class="chart-head"><h2>Jobs ended per <span id="bucket-label">minute</span></h2>
      <span class="legend"><i class="k-succeeded"></i>succeeded <i class="k-failed"></i>failed</span>
      <span class="spacer"></span>
      <div class="range" role="group" aria-label="Window"><button class="btn" type="button" data-range="hour">Last hour</button><button class="btn" type="button" data-range="day">Last 24 h</button></div>
    </div>
    <div class="chart" id="throughput-chart"></div>
  </section>
  <section class="full view-overview" aria-label="Queue depth">
    <div class="chart-head"><h2>Queue depth</h2><span class="legend"><i class="k-queued"></i>waiting <i class="k-running"></i>running</span></div>
    <div class="chart" id="depth-chart"></div>
  </section>
  <section class="full view-overview" aria-label="Tasks">
    <h2>Tasks <span class="sub" id="tasks-window">last hour</span></h2>
    <div id="task-figures"><p class="empty">No job ended in this window.</p></div>
  </section>
  <section class="full view-overview" aria-label="Schedules" id="schedules-section" hidden>
    <h2>Schedules</h2>
    <div id="schedules"></div>
  </section>
${optional(page.taskFailures, `  <section class="full view-overview" aria-label="After-response task failures">
    <h2>Recent after-response task failures</h2>
    <div id="task-failures"><p class="empty">None yet.</p></div>
  </section>`)}
${optional(page.mailbox, `  <section class="full view-overview" aria-label="Dev mailbox">
    <h2>Dev mailbox</h2>
    <div id="mailbox"><p class="empty">No mail yet.</p></div>
  </section>`)}
  <section class="view-jobs" aria-label="Jobs">
    <h2>Jobs</h2>
    <form class="search" id="search" role="search">
      <input id="search-input" type="search" placeholder="Find a job by id or key" aria-label="Job id or key" autocomplete="off">
      <button class="btn" type="submit">Find</button>
    </form>
    <div class="toolbar">
      <label>State <select id="state-filter"><option value="">all</option></select></label>
      <label>Task <select id="task-filter"><option value="">all</option></select></label>
      <span class="spacer"></span>
      <button class="btn" id="bulk-retry" type="button">Retry…</button>
      <button class="btn" id="bulk-cancel" type="button">Cancel…</button>
      <button class="btn" id="retry-dead" type="button">Retry all dead</button>
    </div>
    <table>
      <thead><tr><th>Job</th><th>Task</th><th>State</th><th>Attempts</th><th>Updated</th></tr></thead>
      <tbody id="jobs"></tbody>
    </table>
    <div class="pager"><span id="page-info"></span>
      <button class="btn" id="prev" type="button">‹ Newer</button><button class="btn" id="next" type="button">Older ›</button></div>
  </section>
  <section class="view-jobs" aria-label="Job detail" id="detail-section">
    <h2>Job detail</h2>
    <div id="detail"><p class="empty">Select a job to see its payload, result, error and timeline.</p></div>
  </section>
  <section class="full view-workers" aria-label="Workers">
    <h2>Workers alive</h2>
    <div id="workers"><p class="empty">Loading…</p></div>
  </section>
</main>
<dialog id="confirm" aria-labelledby="confirm-title">
  <form method="dialog">
    <h3 id="confirm-title">Confirm</h3>
    <p id="confirm-text"></p>
    <div class="actions"><button class="btn" value="cancel" type="submit">Not now</button><button class="btn primary" id="confirm-ok" value="ok" type="submit">Do it</button></div>
  </form>
</dialog>
<div class="notice" id="notice" role="status" hidden></div>
</body>
</html>
`;
}
