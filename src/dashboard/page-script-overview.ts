/**
 * The Overview view of the dashboard's browser script: charts from the series, per-task figures,
 * schedules, after-response task failures and the dev mailbox. Plain ES2020 in a string (see page-script.ts).
 */
export const pageScriptOverview = String.raw`
function renderFailures(data) {
  var box = clear(byId('task-failures'));
  if (data.failures.length === 0) { box.appendChild(el('p', { className: 'empty', text: 'None yet.' })); return; }
  var body = el('tbody');
  data.failures.forEach(function (f) {
    body.appendChild(el('tr', null, el('td', { title: time(f.at), text: ago(f.at) }), el('td', { text: f.task }),
      el('td', null, el('span', { className: 'badge s-' + (f.outcome === 'failed' ? 'dead' : 'retrying'), text: f.outcome })),
      el('td', { text: f.error.title + (f.error.detail ? ': ' + f.error.detail : '') }),
      el('td', { className: 'mono', text: f.requestId || '—' })));
  });
  box.appendChild(el('table', null, el('thead', null, el('tr', null, el('th', { text: 'When' }), el('th', { text: 'Task' }),
    el('th', { text: 'Outcome' }), el('th', { text: 'Error' }), el('th', { text: 'Request' }))), body));
}

function renderSchedules(data) {
  byId('schedules-section').hidden = !data.enabled || data.schedules.length === 0;
  var box = clear(byId('schedules'));
  var body = el('tbody');
  data.schedules.forEach(function (s) {
    var timing = s.spec.every !== undefined ? 'every ' + duration(s.spec.every) : 'cron ' + s.spec.cron + (s.spec.timezone === 'UTC' ? '' : ' (' + s.spec.timezone + ')');
    var action = s.paused ? 'resume' : 'pause';
    body.appendChild(el('tr', { className: 'schedule', 'data-schedule': s.name, 'data-paused': s.paused ? '1' : '0' },
      el('td', { className: 'mono', text: s.name }), el('td', { text: s.spec.task }), el('td', { text: timing }),
      el('td', { text: s.spec.overlap + ' / ' + s.spec.missed }),
      el('td', { className: 'next-run', title: s.paused ? '' : time(s.nextRunAt), text: s.paused ? 'paused' : time(s.nextRunAt) }),
      el('td', { title: s.lastTickAt === null ? '' : time(s.lastTickAt), text: s.lastTickAt === null ? '—' : ago(s.lastTickAt) }),
      el('td', null, el('button', { className: 'btn', type: 'button', 'data-action': action, text: action === 'pause' ? 'Pause' : 'Resume', onclick: function () { void scheduleAction(s.name, action); } }))));
  });
  box.appendChild(el('table', null, el('thead', null, el('tr', null, el('th', { text: 'Schedule' }), el('th', { text: 'Task' }),
    el('th', { text: 'Timing' }), el('th', { text: 'Overlap / missed' }), el('th', { text: 'Next run' }), el('th', { text: 'Last tick' }), el('th', { text: '' }))), body));
}

async function scheduleAction(name, action) {
  try {
    await api('POST', '/schedules/' + encodeURIComponent(name) + '/' + action);
    notify(name + ': ' + (action === 'pause' ? 'paused' : 'resumed'));
  } catch (error) { notify(error.message, true); }
  await refresh();
}

function renderMailbox(data) {
  var box = clear(byId('mailbox'));
  if (data.messages.length === 0) { box.appendChild(el('p', { className: 'empty', text: 'No mail yet.' })); return; }
  data.messages.forEach(function (m) {
    box.appendChild(el('details', null, el('summary', null, el('strong', { text: m.subject || '(no subject)' }),
      ' — to ' + (m.to.join(', ') || '?') + (m.from ? ' from ' + m.from : '') + (m.receivedAt ? ' · ' + ago(m.receivedAt) : '')),
      el('pre', { text: m.text || '' })));
  });
}

function ms(value) {
  if (value === null || value === undefined) return '—';
  if (value < 1) return '<1 ms';
  if (value < 1000) return Math.round(value) + ' ms';
  if (value < 60000) return (value / 1000).toFixed(value < 10000 ? 2 : 1) + ' s';
  return (value / 60000).toFixed(1) + ' min';
}
function sparkline(values) {
  var width = 120, height = 24, max = Math.max.apply(null, values.concat([1]));
  var step = width / Math.max(1, values.length - 1);
  var d = values.map(function (v, i) { return (i === 0 ? 'M' : 'L') + (i * step).toFixed(1) + ',' + (height - 2 - ((height - 4) * v) / max).toFixed(1); }).join('');
  return svg('svg', { viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, class: 'spark' }, svg('path', { d: d }));
}

function renderTasks(data) {
  var box = clear(byId('task-figures'));
  byId('tasks-window').textContent = data.range === 'hour' ? 'last hour' : 'last 24 hours';
  if (data.tasks.length === 0) { box.appendChild(el('p', { className: 'empty', text: 'No job ended in this window.' })); return; }
  var body = el('tbody');
  data.tasks.forEach(function (t) {
    var pct = t.failurePct === null ? '—' : (t.failurePct < 10 && t.failurePct > 0 ? t.failurePct.toFixed(1) : Math.round(t.failurePct)) + '%';
    body.appendChild(el('tr', { 'data-task': t.task },
      el('td', null, el('a', { href: '#jobs', onclick: function () { setFilter('', t.task); } , text: t.task })),
      el('td', null, sparkline(t.spark)),
      el('td', { className: 'num', text: t.perMinute < 10 ? t.perMinute.toFixed(2) : String(Math.round(t.perMinute)) }),
      el('td', { className: 'num', text: String(t.succeeded) }),
      el('td', { className: 'num', text: String(t.failed) }),
      el('td', { className: 'num' + (t.failurePct >= 5 ? ' bad' : ''), text: pct }),
      el('td', { className: 'num', text: ms(t.runP50) }), el('td', { className: 'num', text: ms(t.runP95) }),
      el('td', { className: 'num', text: ms(t.waitP50) }), el('td', { className: 'num', text: ms(t.waitP95) })));
  });
  var head = el('tr', null);
  ['Task', 'Activity', 'Per min', 'Succeeded', 'Failed', 'Failure', 'Run p50', 'Run p95', 'Wait p50', 'Wait p95'].forEach(function (h, i) {
    head.appendChild(el('th', { className: i >= 2 ? 'num' : null, text: h }));
  });
  box.appendChild(el('table', { className: 'figures' }, el('thead', null, head), body));
}

var range = 'hour';
async function refreshSeries() {
  var data = await api('GET', '/series?range=' + range);
  Array.prototype.forEach.call(document.querySelectorAll('[data-range]'), function (b) { b.classList.toggle('active', b.dataset.range === range); });
  if (!data.enabled) { byId('throughput-chart').textContent = 'This backend keeps no time series.'; return; }
  byId('bucket-label').textContent = data.range === 'hour' ? 'minute' : '15 minutes';
  renderThroughput(data);
  renderDepth(data);
  renderTasks(data);
}
`;
