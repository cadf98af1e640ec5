/**
 * The dashboard's browser script, served at `assets/dashboard.js`: plain ES2020, no framework, no
 * build step. It polls the JSON API every two seconds and renders with DOM calls and `textContent`
 * only, so job payloads and error messages can never inject markup. Kept as a string so `tsc`
 * ships it; it must not contain backticks or template placeholders.
 */
export const pageScript = String.raw`
'use strict';
var STATES = ['queued', 'delayed', 'running', 'retrying', 'succeeded', 'dead', 'cancelled'];
var base = document.querySelector('meta[name="errand-base"]').content;
var csrf = document.querySelector('meta[name="errand-csrf"]').content;
var features = { failures: document.body.dataset.taskFailures === '1', mailbox: document.body.dataset.mailbox === '1' };
var view = { state: '', task: '', offset: 0, limit: 25, selected: null, total: 0 };
var byId = function (id) { return document.getElementById(id); };

function el(tag, attrs) {
  var node = document.createElement(tag);
  if (attrs) for (var key in attrs) {
    if (attrs[key] === null || attrs[key] === undefined) continue;
    if (key === 'text') node.textContent = attrs[key];
    else if (key === 'className') node.className = attrs[key];
    else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), attrs[key]);
    else node.setAttribute(key, attrs[key]);
  }
  for (var i = 2; i < arguments.length; i++) {
    var child = arguments[i];
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
function json(value) { return value === undefined ? '—' : JSON.stringify(value, null, 2); }
function ago(ms) {
  if (ms === undefined || ms === null) return '—';
  var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return s + 's ago';
  if (s < 3600) return Math.floor(s / 60) + 'm ago';
  if (s < 86400) return Math.floor(s / 3600) + 'h ago';
  return Math.floor(s / 86400) + 'd ago';
}
function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  var s = Math.round(ms / 1000);
  return s < 60 ? s + 's' : s < 3600 ? Math.floor(s / 60) + 'm ' + (s % 60) + 's' : Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
}
function time(ms) { return new Date(ms).toLocaleString(); }
function badge(state) { return el('span', { className: 'badge s-' + state, text: state }); }

var noticeTimer = null;
function notify(message, isError) {
  var box = byId('notice');
  box.textContent = message;
  box.className = 'notice' + (isError ? ' error' : '');
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(function () { box.hidden = true; }, 4000);
}

async function api(method, path) {
  var headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-errand-csrf'] = csrf;
  var response = await fetch(base + '/api' + path, { method: method, headers: headers, credentials: 'same-origin' });
  if (response.status === 204) return null;
  var body = await response.json().catch(function () { return null; });
  if (!response.ok) {
    var problem = body || {};
    throw new Error((problem.title || response.statusText) + (problem.detail ? ': ' + problem.detail : ''));
  }
  return body;
}

function renderCounts(stats) {
  var box = clear(byId('counts'));
  STATES.forEach(function (state) {
    box.appendChild(el('button', { type: 'button', className: 'count s-' + state + (view.state === state ? ' active' : ''), 'data-state': state,
      onclick: function () { setFilter(view.state === state ? '' : state, view.task); showView('jobs'); } },
      el('span', { className: 'n', text: String(stats.counts[state] || 0) }), el('span', { className: 'label', text: state })));
  });
  box.appendChild(el('div', { className: 'count age', title: 'Age of the oldest job ready to run but not yet claimed' },
    el('span', { className: 'n', text: duration(stats.oldestQueuedAgeMs) }), el('span', { className: 'label', text: 'oldest waiting' })));
  var taskSelect = byId('task-filter');
  var tasks = Object.keys(stats.byTask).sort();
  if (view.task && tasks.indexOf(view.task) < 0) tasks.push(view.task);
  var known = Array.prototype.map.call(taskSelect.options, function (o) { return o.value; }).slice(1);
  if (known.join('\n') !== tasks.join('\n')) {
    clear(taskSelect).appendChild(el('option', { value: '', text: 'all' }));
    tasks.forEach(function (task) { taskSelect.appendChild(el('option', { value: task, text: task })); });
    taskSelect.value = view.task;
  }
  byId('retry-dead').disabled = !stats.counts.dead;
}

function renderJobs(page) {
  view.total = page.total;
  var body = clear(byId('jobs'));
  if (page.jobs.length === 0) body.appendChild(el('tr', null, el('td', { colspan: '5', className: 'empty', text: 'No jobs here.' })));
  page.jobs.forEach(function (job) {
    body.appendChild(el('tr', { className: 'job' + (job.id === view.selected ? ' selected' : ''), 'data-job-id': job.id, 'data-state': job.state,
      onclick: function () { select(job.id); } },
      el('td', { className: 'mono', title: job.id, text: job.id.length > 14 ? job.id.slice(0, 13) + '…' : job.id }),
      el('td', { text: job.task }), el('td', null, badge(job.state)),
      el('td', { text: job.attempts + ' / ' + job.maxAttempts }), el('td', { title: time(job.updatedAt), text: ago(job.updatedAt) })));
  });
  var first = page.total === 0 ? 0 : view.offset + 1;
  byId('page-info').textContent = first + '–' + (view.offset + page.jobs.length) + ' of ' + page.total;
  byId('prev').disabled = view.offset === 0;
  byId('next').disabled = view.offset + page.jobs.length >= page.total;
}

function renderProblem(error, current) {
  return el('div', { className: 'problem' + (current ? '' : ' past') },
    el('div', { className: 'title', text: error.title + ' (' + error.status + ')' }),
    error.detail ? el('div', { text: error.detail }) : null,
    error.code ? el('div', { className: 'mono', text: error.code }) : null,
    error.stack ? el('pre', { text: String(error.stack) }) : null,
    el('details', null, el('summary', { text: 'problem object' }), el('pre', { text: json(error) })));
}

function action(label, name, job, enabled, cls) {
  return el('button', { type: 'button', className: 'btn ' + (cls || ''), 'data-action': name, disabled: enabled ? null : 'disabled',
    onclick: function () { runAction(name, job.id); } }, label);
}

function renderDetail(job) {
  var box = clear(byId('detail'));
  if (!job) { box.appendChild(el('p', { className: 'empty', text: 'Select a job to see its payload, result, error and timeline.' })); return; }
  var unfinished = ['succeeded', 'dead', 'cancelled'].indexOf(job.state) < 0;
  var d = el('div', { 'data-detail-id': job.id, 'data-state': job.state });
  d.appendChild(el('div', { className: 'actions' },
    action('Retry', 'retry', job, job.state === 'dead' || job.state === 'cancelled', 'primary'),
    action('Cancel', 'cancel', job, unfinished),
    action('Delete', 'delete', job, job.state !== 'running', 'danger')));
  var props = el('dl', { className: 'props' });
  function prop(name, value) { props.appendChild(el('dt', { text: name })); props.appendChild(el('dd', null, value)); }
  prop('id', el('span', { className: 'mono', text: job.id }));
  prop('task', job.task);
  prop('state', badge(job.state));
  prop('attempts', job.attempts + ' of ' + job.maxAttempts);
  if (job.progress !== undefined) prop('progress', typeof job.progress === 'number'
    ? el('span', null, el('progress', { max: '100', value: String(job.progress) }), ' ' + job.progress + '%') : json(job.progress));
  prop('priority', String(job.priority));
  if (job.key) prop('key', el('span', { className: 'mono', text: job.key }));
  if (job.traceId) prop('trace id', el('span', { className: 'mono', 'data-trace-id': job.traceId, text: job.traceId }));
  prop('created', time(job.createdAt));
  if (job.state === 'delayed' || job.state === 'retrying') prop('next run', time(job.runAt));
  if (job.finishedAt) prop('finished', time(job.finishedAt));
  d.appendChild(props);
  if (job.error) {
    // Backends keep the last error after a later attempt succeeds; say so rather than alarm.
    var current = job.state === 'dead' || job.state === 'retrying';
    d.appendChild(el('h3', { text: current ? 'Error' : 'Error of an earlier attempt' }));
    d.appendChild(renderProblem(job.error, current));
  }
  d.appendChild(el('h3', { text: 'Payload' })); d.appendChild(el('pre', { text: json(job.payload) }));
  if (job.result !== undefined) { d.appendChild(el('h3', { text: 'Result' })); d.appendChild(el('pre', { className: 'result', text: json(job.result) })); }
  d.appendChild(el('h3', { text: 'Timeline' }));
  var list = el('ol', { className: 'timeline' });
  job.history.forEach(function (event) {
    list.appendChild(el('li', { className: 't-' + event.type }, el('strong', { text: event.type }),
      event.attempt ? ' · attempt ' + event.attempt : '', event.message ? ' · ' + event.message : '',
      el('span', { className: 'when', title: time(event.at), text: ago(event.at) })));
  });
  d.appendChild(list);
  box.appendChild(d);
}

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

function listQuery() {
  var q = '?limit=' + view.limit + '&offset=' + view.offset;
  if (view.state) q += '&state=' + encodeURIComponent(view.state);
  if (view.task) q += '&task=' + encodeURIComponent(view.task);
  return q;
}


var SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  var node = document.createElementNS(SVG, tag);
  for (var key in attrs) if (attrs[key] !== null && attrs[key] !== undefined) {
    if (key === 'text') node.textContent = attrs[key]; else node.setAttribute(key, String(attrs[key]));
  }
  for (var i = 2; i < arguments.length; i++) if (arguments[i]) node.appendChild(arguments[i]);
  return node;
}
/** The top of the y axis: four gridline steps of 1, 2 or 5 × 10^k, so every label is a whole number. */
function niceMax(value) {
  if (!(value > 0)) return 4;
  var raw = value / 4, power = Math.pow(10, Math.floor(Math.log10(raw)));
  var step = [1, 2, 5, 10].map(function (m) { return m * power; }).filter(function (m) { return m >= raw; })[0];
  return Math.max(1, Math.ceil(step)) * 4;
}
function hhmm(ms) { var d = new Date(ms); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0'); }
function shortNumber(n) { return n >= 10000 ? Math.round(n / 1000) + 'k' : n >= 1000 ? (n / 1000).toFixed(1) + 'k' : String(n); }

/** The frame of a chart: gridlines, y labels and time labels; answers the scales. */
function frame(box, data, maxValue) {
  var width = Math.max(320, box.clientWidth || 800), height = 190, left = 44, right = 10, top = 10, bottom = 24;
  var root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, role: 'img', class: 'plot' });
  var innerW = width - left - right, innerH = height - top - bottom;
  var max = niceMax(maxValue);
  for (var g = 0; g <= 4; g++) {
    var y = top + innerH - (innerH * g) / 4;
    root.appendChild(svg('line', { x1: left, x2: width - right, y1: y, y2: y, class: g === 0 ? 'axis' : 'grid' }));
    root.appendChild(svg('text', { x: left - 6, y: y + 4, class: 'ylabel', 'text-anchor': 'end', text: shortNumber(Math.round((max * g) / 4 * 10) / 10) }));
  }
  var n = data.points.length, slot = innerW / n;
  var every = data.range === 'hour' ? 10 : 12;
  for (var i = 0; i <= n; i += every) {
    var x = left + i * slot;
    root.appendChild(svg('line', { x1: x, x2: x, y1: top + innerH, y2: top + innerH + 4, class: 'axis' }));
    root.appendChild(svg('text', { x: x, y: height - 6, class: 'xlabel', 'text-anchor': i === 0 ? 'start' : i === n ? 'end' : 'middle', text: hhmm(data.from + i * data.bucketMs) }));
  }
  return { root: root, left: left, top: top, innerW: innerW, innerH: innerH, slot: slot, y: function (v) { return top + innerH - (innerH * v) / max; } };
}

function renderThroughput(data) {
  var box = clear(byId('throughput-chart'));
  var max = 0;
  data.points.forEach(function (p) { max = Math.max(max, p.succeeded + p.failed); });
  var f = frame(box, data, max);
  var gap = f.slot > 6 ? 1.5 : 0.5, w = Math.max(1, f.slot - gap * 2);
  data.points.forEach(function (p, i) {
    var x = f.left + i * f.slot + gap;
    var label = hhmm(p.at) + ' · ' + p.succeeded + ' succeeded, ' + p.failed + ' failed';
    var group = svg('g', { class: 'bar' }, svg('title', { text: label }));
    if (p.succeeded > 0) group.appendChild(svg('rect', { x: x, width: w, y: f.y(p.succeeded), height: f.y(0) - f.y(p.succeeded), class: 'succeeded' }));
    if (p.failed > 0) group.appendChild(svg('rect', { x: x, width: w, y: f.y(p.succeeded + p.failed), height: f.y(p.succeeded) - f.y(p.succeeded + p.failed), class: 'failed' }));
    group.appendChild(svg('rect', { x: f.left + i * f.slot, width: f.slot, y: f.top, height: f.innerH, class: 'hit' }));
    f.root.appendChild(group);
  });
  box.appendChild(f.root);
  var total = data.points.reduce(function (sum, p) { return sum + p.succeeded + p.failed; }, 0);
  box.dataset.total = String(total);
  if (total === 0) box.appendChild(el('p', { className: 'chart-empty', text: 'No job ended in this window yet.' }));
}

function renderDepth(data) {
  var box = clear(byId('depth-chart'));
  var max = 0, samples = 0;
  data.points.forEach(function (p) { if (p.queued !== null) { samples++; max = Math.max(max, p.queued, p.running); } });
  var f = frame(box, data, max);
  ['queued', 'running'].forEach(function (key) {
    var d = '', area = '', run = [];
    function flush() {
      if (run.length === 0) return;
      d += 'M' + run.map(function (pt) { return pt[0].toFixed(1) + ',' + pt[1].toFixed(1); }).join('L');
      if (key === 'queued') area += 'M' + run[0][0].toFixed(1) + ',' + f.y(0) + 'L' + run.map(function (pt) { return pt[0].toFixed(1) + ',' + pt[1].toFixed(1); }).join('L') + 'L' + run[run.length - 1][0].toFixed(1) + ',' + f.y(0) + 'Z';
      run = [];
    }
    data.points.forEach(function (p, i) {
      if (p[key] === null) { flush(); return; }
      var x = f.left + (i + 0.5) * f.slot;
      if (run.length === 0 && (i === 0 || data.points[i - 1][key] === null)) run.push([x - f.slot / 2, f.y(p[key])]);
      run.push([x, f.y(p[key])]);
      if (i === data.points.length - 1 || data.points[i + 1][key] === null) run.push([x + f.slot / 2, f.y(p[key])]);
    });
    flush();
    if (area) f.root.appendChild(svg('path', { d: area, class: 'area-' + key }));
    if (d) f.root.appendChild(svg('path', { d: d, class: 'line-' + key }));
  });
  data.points.forEach(function (p, i) {
    if (p.queued === null) return;
    f.root.appendChild(svg('rect', { x: f.left + i * f.slot, width: f.slot, y: f.top, height: f.innerH, class: 'hit' },
      svg('title', { text: hhmm(p.at) + ' · ' + p.queued + ' waiting, ' + p.running + ' running' })));
  });
  box.appendChild(f.root);
  box.dataset.samples = String(samples);
  if (samples === 0) box.appendChild(el('p', { className: 'chart-empty', text: 'No depth sample in this window: samples are taken when the dashboard, /metrics or errand stats read the queue.' }));
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

function renderWorkers(data) {
  var box = clear(byId('workers'));
  if (!data.enabled) { box.appendChild(el('p', { className: 'empty', text: 'This backend keeps no worker liveness records (memory): workers are known by their leases only.' })); return; }
  if (data.workers.length === 0) { box.appendChild(el('p', { className: 'empty', text: 'No worker is alive. Workers with liveness (SQLite, Postgres, Redis) appear here while they beat.' })); return; }
  var body = el('tbody');
  data.workers.forEach(function (w) {
    var left = Math.max(0, w.aliveUntil - data.now);
    var jobs = el('td', null);
    if (w.jobs.length === 0) jobs.appendChild(el('span', { className: 'muted', text: 'idle' }));
    w.jobs.forEach(function (id) {
      jobs.appendChild(el('a', { href: '#jobs', className: 'chip mono', title: id, onclick: function () { view.selected = id; }, text: id.length > 14 ? id.slice(0, 13) + '…' : id }));
    });
    body.appendChild(el('tr', { 'data-worker-id': w.id }, el('td', null, el('span', { className: 'dot' }), el('span', { className: 'mono', text: w.id })),
      el('td', { text: 'beating · record valid ' + (left / 1000).toFixed(1) + ' s more' }),
      el('td', { className: 'num', text: String(w.jobs.length) }), jobs));
  });
  box.appendChild(el('table', null, el('thead', null, el('tr', null, el('th', { text: 'Worker' }), el('th', { text: 'Last heartbeat' }),
    el('th', { className: 'num', text: 'Jobs' }), el('th', { text: 'Jobs in hand' }))), body));
}

async function search(q) {
  var body = await api('GET', '/search?q=' + encodeURIComponent(q));
  if (body.jobs.length === 0) { notify('No job has id' + (body.keys ? ' or key' : '') + ' "' + q + '"', true); return; }
  view.state = ''; view.task = '';
  byId('state-filter').value = ''; byId('task-filter').value = '';
  view.selected = body.jobs[0].id;
  showView('jobs');
  if (body.jobs.length > 1) notify(body.jobs.length + ' jobs have key "' + q + '"; showing the newest');
  await refresh();
}

function confirmDialog(title, text, okLabel, danger) {
  var dialog = byId('confirm');
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = okLabel;
  byId('confirm-ok').className = 'btn ' + (danger ? 'danger-solid' : 'primary');
  return new Promise(function (resolve) {
    dialog.addEventListener('close', function () { resolve(dialog.returnValue === 'ok'); }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

var lastStats = null;
function eligible(action) {
  if (!lastStats) return 0;
  var states = action === 'retry' ? ['dead', 'cancelled'] : ['queued', 'delayed', 'retrying', 'running'];
  var counts = view.task ? (lastStats.byTask[view.task] || {}) : lastStats.counts;
  return states.filter(function (s) { return !view.state || s === view.state; }).reduce(function (sum, s) { return sum + (counts[s] || 0); }, 0);
}
async function bulk(action) {
  var n = eligible(action);
  var what = (view.task ? view.task + ' ' : '') + (view.state ? view.state + ' ' : '') + 'job' + (n === 1 ? '' : 's');
  if (n === 0) { notify('No ' + what + ' to ' + action + (action === 'retry' ? ' (only dead and cancelled jobs can be retried)' : ' (only unfinished jobs can be cancelled)'), true); return; }
  var text = action === 'retry' ? 'Retry ' + n + ' ' + what + '? Dead and cancelled ones go back to the queue with fresh attempts.'
    : 'Cancel ' + n + ' ' + what + '? Waiting ones are cancelled at once; running ones are aborted at their next heartbeat.';
  if (!(await confirmDialog(action === 'retry' ? 'Retry jobs' : 'Cancel jobs', text, action === 'retry' ? 'Retry ' + n : 'Cancel ' + n, action === 'cancel'))) return;
  try {
    var q = [];
    if (view.state) q.push('state=' + encodeURIComponent(view.state));
    if (view.task) q.push('task=' + encodeURIComponent(view.task));
    var body = await api('POST', '/jobs/bulk/' + action + (q.length ? '?' + q.join('&') : ''));
    notify((action === 'retry' ? 'retried ' : 'cancelled ') + body.changed + ' of ' + body.matched + ' job' + (body.matched === 1 ? '' : 's') + (body.more ? '; more matched, run it again' : ''));
  } catch (error) { notify(error.message, true); }
  await refresh();
}

function showView(name) {
  if (['overview', 'jobs', 'workers'].indexOf(name) < 0) name = 'overview';
  document.body.dataset.view = name;
  if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
  Array.prototype.forEach.call(document.querySelectorAll('[data-nav]'), function (a) { a.classList.toggle('active', a.dataset.nav === name); });
  void refresh();
}

var refreshing = false;
var seriesAt = 0;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    var stats = await api('GET', '/stats');
    lastStats = stats;
    renderCounts(stats);
    var current = document.body.dataset.view;
    if (current === 'jobs') {
      renderJobs(await api('GET', '/jobs' + listQuery()));
      if (view.selected) renderDetail(await api('GET', '/jobs/' + encodeURIComponent(view.selected)).catch(function () { view.selected = null; return null; }));
    }
    if (current === 'overview') {
      // The series moves by the minute: every 10 s is plenty.
      if (Date.now() - seriesAt > 10000) { seriesAt = Date.now(); await refreshSeries(); }
      renderSchedules(await api('GET', '/schedules'));
      if (features.failures) renderFailures(await api('GET', '/task-failures'));
      if (features.mailbox) renderMailbox(await api('GET', '/mailbox'));
    }
    if (current === 'workers') renderWorkers(await api('GET', '/workers'));
    byId('live').textContent = 'live · updated ' + new Date().toLocaleTimeString();
    byId('live').className = 'live';
  } catch (error) {
    byId('live').textContent = 'not updating: ' + error.message;
    byId('live').className = 'live stale';
  } finally {
    refreshing = false;
  }
}

function setFilter(state, task) {
  view.state = state; view.task = task; view.offset = 0;
  byId('state-filter').value = state; byId('task-filter').value = task;
  void refresh();
}
function select(id) { view.selected = id; void refresh(); }

async function runAction(name, id) {
  try {
    if (name === 'delete') { await api('DELETE', '/jobs/' + encodeURIComponent(id)); view.selected = null; }
    else await api('POST', '/jobs/' + encodeURIComponent(id) + '/' + name);
    notify(name + ': done');
  } catch (error) { notify(error.message, true); }
  await refresh();
}

byId('notice').addEventListener('click', function () { byId('notice').hidden = true; });
STATES.forEach(function (state) { byId('state-filter').appendChild(el('option', { value: state, text: state })); });
byId('state-filter').addEventListener('change', function (e) { setFilter(e.target.value, view.task); });
byId('task-filter').addEventListener('change', function (e) { setFilter(view.state, e.target.value); });
byId('prev').addEventListener('click', function () { view.offset = Math.max(0, view.offset - view.limit); void refresh(); });
byId('next').addEventListener('click', function () { view.offset += view.limit; void refresh(); });
byId('retry-dead').addEventListener('click', async function () {
  try {
    var body = await api('POST', '/jobs/retry-dead' + (view.task ? '?task=' + encodeURIComponent(view.task) : ''));
    notify('retried ' + body.retried + ' dead job' + (body.retried === 1 ? '' : 's'));
  } catch (error) { notify(error.message, true); }
  await refresh();
});
byId('bulk-retry').addEventListener('click', function () { void bulk('retry'); });
byId('bulk-cancel').addEventListener('click', function () { void bulk('cancel'); });
byId('search').addEventListener('submit', function (e) { e.preventDefault(); var q = byId('search-input').value.trim(); if (q) void search(q); });
Array.prototype.forEach.call(document.querySelectorAll('[data-range]'), function (b) {
  b.addEventListener('click', function () { range = b.dataset.range; seriesAt = 0; void refresh(); });
});
window.addEventListener('hashchange', function () { showView(location.hash.slice(1)); });
window.addEventListener('resize', function () { seriesAt = 0; });
showView(location.hash.slice(1) || 'overview');
setInterval(refresh, 2000);
`;
