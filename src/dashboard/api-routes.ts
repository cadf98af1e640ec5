import { Hono } from 'hono';
import { ErrandError } from '../errors/errand-error.js';
import type { ProblemDetails } from '../errors/problem-details.js';
import type { JobBackend } from '../jobs/backend.js';
import type { JobRecord } from '../jobs/job.js';
import { createQueue } from '../jobs/queue.js';
import type { DashboardAccess } from './access-control.js';
import { parseListQuery } from './list-query.js';
import { retryAllDead } from './retry-all-dead.js';
import { bulkAction, type BulkAction } from './bulk-action.js';
import { seriesRanges, seriesView, type SeriesRange } from './series-view.js';
import { toMailboxView, type MailboxSource } from './mailbox.js';
import { readTaskFailures, type TaskFailureSource } from './task-failure-log.js';
import { traceIdOf } from '../tracing/trace-parent.js';

/** What the JSON API needs from the dashboard options. */
export interface ApiRoutesOptions {
  backend: JobBackend;
  /** Whether job errors keep their `stack` and `cause` members. */
  debug: boolean;
  taskFailures?: TaskFailureSource;
  mailbox?: MailboxSource;
}

/** Extension members that may reveal internals; sent only in debug mode. */
const debugMembers = ['stack', 'cause'];

function problemView(error: ProblemDetails, debug: boolean): ProblemDetails {
  if (debug) return error;
  const copy: ProblemDetails = { ...error };
  for (const member of debugMembers) delete copy[member];
  return copy;
}

/** A job as the dashboard API answers it: the record, plus the trace id of its enqueue when it was traced. */
export interface JobView extends JobRecord {
  traceId?: string;
}

/** A job as the API shows it: its error without internals unless in debug mode, and its `traceId`. */
export function toJobView(job: JobRecord, debug: boolean): JobView {
  const traceId = traceIdOf(job.meta);
  if (job.error === undefined && traceId === undefined) return job;
  const view: JobView = job.error === undefined ? { ...job } : { ...job, error: problemView(job.error, debug) };
  // The trace of the enqueue, from its stored W3C traceparent: what to search the tracing backend for.
  if (traceId !== undefined) view.traceId = traceId;
  return view;
}

function notFound(id: string): ErrandError {
  return new ErrandError('ERRAND_JOB_NOT_FOUND', `No job has id "${id}"; it never existed or was pruned after its retention time.`);
}

/**
 * The dashboard's JSON API, mounted under `/api` of the dashboard. Every read and action goes through
 * the {@link JobBackend} contract, so it works the same on every backend. Errors are thrown as
 * `ErrandError` for the app's error registry to render as problem+json.
 *
 * @example
 * dashboard.route('/api', createApiRoutes({ backend, debug: false }))
 */
export function createApiRoutes(options: ApiRoutesOptions): Hono<{ Variables: { errandDashboardAccess: DashboardAccess } }> {
  const { backend, debug } = options;
  const api = new Hono<{ Variables: { errandDashboardAccess: DashboardAccess } }>();

  async function jobOr404(id: string): Promise<JobRecord> {
    const job = await backend.get(id);
    if (job === undefined) throw notFound(id);
    return job;
  }

  api.get('/stats', async (c) => {
    const stats = await backend.stats();
    const now = Date.now();
    const oldestQueuedAgeMs = stats.oldestQueuedAt === undefined ? null : Math.max(0, now - stats.oldestQueuedAt);
    return c.json({ backend: backend.name, now, ...stats, oldestQueuedAgeMs });
  });

  api.get('/jobs', async (c) => {
    const query = parseListQuery(c.req.query());
    const page = await backend.list(query);
    return c.json({ jobs: page.jobs.map((job) => toJobView(job, debug)), total: page.total, limit: query.limit, offset: query.offset });
  });

  // Registered before /jobs/:id so that "retry-dead" is never read as an id.
  api.post('/jobs/retry-dead', async (c) => {
    const task = c.req.query('task')?.trim() || undefined;
    const retried = await retryAllDead(backend, task);
    return c.json({ retried });
  });

  // Everything the list's filter selects: `action` retry (dead and cancelled jobs) or cancel (unfinished ones).
  api.post('/jobs/bulk/:action', async (c) => {
    const action = c.req.param('action');
    if (action !== 'retry' && action !== 'cancel') {
      throw new ErrandError('ERRAND_VALIDATION_FAILED', 'The bulk action must be retry or cancel.', { errors: [{ pointer: '/action', loc: ['path', 'action'], message: 'must be retry or cancel', code: 'invalid_enum' }] });
    }
    const { state, task } = parseListQuery(c.req.query());
    return c.json(await bulkAction(backend, action satisfies BulkAction, { state, task }));
  });

  api.get('/jobs/:id', async (c) => c.json(toJobView(await jobOr404(c.req.param('id')), debug)));

  api.post('/jobs/:id/retry', async (c) => {
    const id = c.req.param('id');
    if (!(await backend.retry(id))) {
      const job = await jobOr404(id);
      throw new ErrandError('ERRAND_JOB_NOT_RETRYABLE', `Job "${id}" is ${job.state}; only dead or cancelled jobs can be retried.`);
    }
    return c.json(toJobView(await jobOr404(id), debug));
  });

  api.post('/jobs/:id/cancel', async (c) => {
    const id = c.req.param('id');
    if (!(await backend.cancel(id))) {
      const job = await jobOr404(id);
      throw new ErrandError('ERRAND_JOB_STATE_CONFLICT', `Job "${id}" is ${job.state}; only unfinished jobs can be cancelled.`);
    }
    return c.json(toJobView(await jobOr404(id), debug));
  });

  api.delete('/jobs/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await backend.remove(id))) {
      const job = await jobOr404(id);
      throw new ErrandError('ERRAND_JOB_STATE_CONFLICT', `Job "${id}" is ${job.state}; cancel a running job before deleting it.`);
    }
    return c.body(null, 204);
  });

  api.get('/schedules', async (c) => {
    if (backend.schedules === undefined) return c.json({ enabled: false, schedules: [] });
    return c.json({ enabled: true, schedules: await createQueue({ backend }).listSchedules() });
  });

  for (const action of ['pause', 'resume'] as const) {
    api.post(`/schedules/:name/${action}`, async (c) => {
      const name = c.req.param('name');
      const queue = createQueue({ backend });
      await (action === 'pause' ? queue.pauseSchedule(name) : queue.resumeSchedule(name));
      return c.json((await queue.listSchedules()).find((schedule) => schedule.name === name));
    });
  }

  api.get('/series', async (c) => {
    const range = c.req.query('range') ?? 'hour';
    if (range !== 'hour' && range !== 'day') {
      throw new ErrandError('ERRAND_VALIDATION_FAILED', 'range must be hour or day.', { errors: [{ pointer: '/range', loc: ['query', 'range'], message: 'must be hour or day', code: 'invalid_enum' }] });
    }
    const now = Date.now();
    if (backend.series === undefined) return c.json({ enabled: false });
    const { spanMs, bucketMs } = seriesRanges[range satisfies SeriesRange];
    const series = await backend.series(now - spanMs - bucketMs, bucketMs);
    return c.json({ enabled: true, ...seriesView(series, range, now) });
  });

  api.get('/workers', async (c) => {
    if (backend.workers === undefined) return c.json({ enabled: false, workers: [] });
    return c.json({ enabled: true, now: Date.now(), workers: await backend.workers() });
  });

  // A job id, then the jobs of a dedupe key (every backend looks keys up through an index).
  api.get('/search', async (c) => {
    const q = c.req.query('q')?.trim() ?? '';
    if (q === '') return c.json({ jobs: [] });
    const byId = await backend.get(q);
    const byKey = await backend.findByKey(q);
    const jobs = byId === undefined ? byKey : [byId, ...byKey.filter((job) => job.id !== byId.id)];
    return c.json({ jobs: jobs.map((job) => toJobView(job, debug)), keys: true });
  });

  api.get('/task-failures', async (c) => {
    const failures = options.taskFailures === undefined ? [] : await readTaskFailures(options.taskFailures);
    return c.json({ enabled: options.taskFailures !== undefined, failures: failures.map((f) => ({ ...f, error: problemView(f.error, debug) })) });
  });

  api.get('/mailbox', async (c) => {
    const messages = options.mailbox === undefined ? [] : await options.mailbox();
    return c.json({ enabled: options.mailbox !== undefined, messages: messages.map(toMailboxView) });
  });

  return api;
}
