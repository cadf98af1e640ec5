import { pageScriptCharts } from './page-script-charts.js';
import { pageScriptCommon } from './page-script-common.js';
import { pageScriptJobs } from './page-script-jobs.js';
import { pageScriptOverview } from './page-script-overview.js';
import { pageScriptWorkers } from './page-script-workers.js';

/**
 * The dashboard's browser script, served at `assets/dashboard.js`: plain ES2020, no framework, no
 * build step. It polls the JSON API every two seconds and renders with DOM calls and `textContent`
 * only, so job payloads and error messages can never inject markup. Kept as a string so `tsc`
 * ships it; it must not contain backticks or template placeholders.
 *
 * One module per view (overview, jobs, workers), the charts and the shared helpers; this one switches
 * views, refreshes the current one and wires the controls. The parts share one script scope.
 */
export const pageScript = [pageScriptCommon, pageScriptCharts, pageScriptOverview, pageScriptJobs, pageScriptWorkers, String.raw`
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
`].join('\n');
