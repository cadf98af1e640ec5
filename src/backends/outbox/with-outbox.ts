import type { AppTransaction, JobBackend } from '../../jobs/backend.js';
import type { EnqueueResult, NewJob } from '../../jobs/job.js';

/** The task name outbox entries are stored under in the outbox backend. */
export const outboxTask = 'errand:outbox';

/** Attempts an outbox entry gets: a relay killed mid-move costs one; it must never run out. */
export const outboxAttempts = 1_000_000;

/**
 * Wraps the job `NewJob` that should reach the target as an outbox entry: same id (the relay's
 * idempotency key), due at once (the target honours the job's own `runAt`), no dedupe key (the
 * target dedupes when the entry is relayed).
 */
export function toOutboxEntry(job: NewJob, now: number): NewJob {
  return { id: job.id, task: outboxTask, payload: job, runAt: now, priority: 0, maxAttempts: outboxAttempts, createdAt: now };
}

/** Options of {@link withOutbox}. */
export interface WithOutboxOptions {
  /** Where jobs run (Redis). Everything but transactional enqueue goes here. */
  target: JobBackend;
  /** Where the app's transaction lives: a Postgres or SQLite backend on the app's database. */
  outbox: JobBackend;
  /** @default Date.now */
  now?: () => number;
}

/**
 * A backend for a queue that runs on Redis but takes `enqueue(…, { tx })`: the job is written to
 * an outbox table in the app's own Postgres or SQLite transaction (so it exists if and only if the
 * app's write committed), and {@link createOutboxRelay} moves committed entries to the target.
 * Every other operation (enqueue without `tx`, claims, reads, the dashboard) is the target's.
 *
 * @example
 * const backend = withOutbox({ target: createRedisBackend({ url }), outbox: createPostgresBackend({ pool, schema: 'errand_outbox' }) })
 * await queue.enqueue(ship, { orderId }, { tx: client }) // inside the app's BEGIN … COMMIT
 */
export function withOutbox(options: WithOutboxOptions): JobBackend {
  const { target, outbox } = options;
  const now = options.now ?? Date.now;
  const enqueueInOutbox = outbox.enqueueInTransaction?.bind(outbox);
  if (enqueueInOutbox === undefined) throw new TypeError(`withOutbox: the outbox backend ${outbox.name} cannot enqueue in a transaction; use the Postgres or SQLite backend`);
  return {
    name: target.name,
    enqueue: (jobs) => target.enqueue(jobs),
    enqueueInTransaction(tx: AppTransaction, jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
      const at = now();
      return enqueueInOutbox(tx, jobs.map((job) => toOutboxEntry(job, at)));
    },
    claim: (claimOptions) => target.claim(claimOptions),
    heartbeat: (leases, leaseMs) => target.heartbeat(leases, leaseMs),
    progress: (lease, value) => target.progress(lease, value),
    complete: (lease, result) => target.complete(lease, result),
    ...(target.completeMany === undefined ? {} : { completeMany: target.completeMany.bind(target) }),
    fail: (lease, failOptions) => target.fail(lease, failOptions),
    cancelled: (lease) => target.cancelled(lease),
    release: (lease, runAt) => target.release(lease, runAt),
    ...(target.takeRateToken === undefined ? {} : { takeRateToken: target.takeRateToken.bind(target) }),
    get: (id) => target.get(id),
    list: (listOptions) => target.list(listOptions),
    stats: () => target.stats(),
    findByKey: (key) => target.findByKey(key),
    // The dashboard's figures, worker liveness and schedules are the target's, where the jobs run.
    ...(target.series === undefined ? {} : { series: target.series.bind(target) }),
    ...(target.sampleDepth === undefined ? {} : { sampleDepth: target.sampleDepth.bind(target) }),
    ...(target.workers === undefined ? {} : { workers: target.workers.bind(target) }),
    ...(target.liveness === undefined ? {} : { liveness: target.liveness.bind(target) }),
    ...(target.schedules === undefined ? {} : { schedules: target.schedules }),
    cancel: (id) => target.cancel(id),
    retry: (id) => target.retry(id),
    remove: (id) => target.remove(id),
    prune: (at) => target.prune(at),
    async close() {
      await target.close();
      await outbox.close();
    },
  };
}
