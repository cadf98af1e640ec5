/**
 * The Jobs view of the dashboard's browser script: state counts, the job list and its filters, a job's
 * detail and actions, search by id or key, and bulk retry or cancel with a confirmation. Plain ES2020 in a string (see page-script.ts).
 */
export const pageScriptJobs = String.raw`
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

function listQuery() {
  var q = '?limit=' + view.limit + '&offset=' + view.offset;
  if (view.state) q += '&state=' + encodeURIComponent(view.state);
  if (view.task) q += '&task=' + encodeURIComponent(view.task);
  return q;
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
`;
