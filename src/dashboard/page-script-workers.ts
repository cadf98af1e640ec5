/**
 * The Workers view of the dashboard's browser script: the workers whose liveness record is fresh, the
 * time of their last beat and the jobs in their hands. Plain ES2020 in a string (see page-script.ts).
 */
export const pageScriptWorkers = String.raw`
/** How long ago a beat was: tenths of a second under a minute (workers beat about twice a second). */
function beatAge(ms) {
  return ms < 60000 ? (ms / 1000).toFixed(1) + ' s ago' : ago(Date.now() - ms);
}

function renderWorkers(data) {
  var box = clear(byId('workers'));
  if (!data.enabled) { box.appendChild(el('p', { className: 'empty', text: 'This backend keeps no worker liveness records (memory): workers are known by their leases only.' })); return; }
  if (data.workers.length === 0) { box.appendChild(el('p', { className: 'empty', text: 'No worker is alive. Workers with liveness (SQLite, Postgres, Redis) appear here while they beat.' })); return; }
  var body = el('tbody');
  data.workers.forEach(function (w) {
    var left = Math.max(0, w.aliveUntil - data.now);
    // The time of the beat itself (an older errand's record tells only its expiry).
    var since = typeof w.lastBeatAt === 'number' ? Math.max(0, data.now - w.lastBeatAt) : null;
    var jobs = el('td', null);
    if (w.jobs.length === 0) jobs.appendChild(el('span', { className: 'muted', text: 'idle' }));
    w.jobs.forEach(function (id) {
      jobs.appendChild(el('a', { href: '#jobs', className: 'chip mono', title: id, onclick: function () { view.selected = id; }, text: id.length > 14 ? id.slice(0, 13) + '…' : id }));
    });
    body.appendChild(el('tr', { 'data-worker-id': w.id }, el('td', null, el('span', { className: 'dot' }), el('span', { className: 'mono', text: w.id })),
      el('td', { className: 'last-beat', title: since === null ? '' : time(w.lastBeatAt) + ' · record valid ' + (left / 1000).toFixed(1) + ' s more',
        'data-beat-age-ms': since === null ? null : String(since), text: since === null ? 'record valid ' + (left / 1000).toFixed(1) + ' s more' : beatAge(since) }),
      el('td', { className: 'num', text: String(w.jobs.length) }), jobs));
  });
  box.appendChild(el('table', null, el('thead', null, el('tr', null, el('th', { text: 'Worker' }), el('th', { text: 'Last heartbeat' }),
    el('th', { className: 'num', text: 'Jobs' }), el('th', { text: 'Jobs in hand' }))), body));
}
`;
