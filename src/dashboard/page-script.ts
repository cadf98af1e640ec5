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
      onclick: function () { setFilter(view.state === state ? '' : state, view.task); } },
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

var refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    var stats = await api('GET', '/stats');
    renderCounts(stats);
    renderJobs(await api('GET', '/jobs' + listQuery()));
    if (view.selected) renderDetail(await api('GET', '/jobs/' + encodeURIComponent(view.selected)).catch(function () { view.selected = null; return null; }));
    if (features.failures) renderFailures(await api('GET', '/task-failures'));
    if (features.mailbox) renderMailbox(await api('GET', '/mailbox'));
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
void refresh();
setInterval(refresh, 2000);
`;
