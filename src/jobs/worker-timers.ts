import { coerceError } from '../errors/coerce-error.js';
import { ErrandError } from '../errors/errand-error.js';
import type { JobBackend } from './backend.js';
import type { ActiveJob } from './worker-active-job.js';
import type { WorkerLogger } from './worker-logger.js';

/** Runs `tick` every `ms` without overlap (the next run is scheduled when one ends). Returns a stop function. */
function every(ms: number, tick: () => Promise<void>): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (): void => {
    timer = setTimeout(() => {
      void tick().finally(() => {
        if (!stopped) schedule();
      });
    }, ms);
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** What the heartbeat needs from its worker. */
export interface HeartbeatOptions {
  backend: JobBackend;
  active: ReadonlyMap<string, ActiveJob>;
  leaseMs: number;
  heartbeatMs: number;
  logger: WorkerLogger;
  onError: (error: Error) => void;
}

/**
 * Renews the leases of every running job in one backend call per beat. A lease reported lost aborts
 * its handler (reason ERRAND_LEASE_LOST), a cancelled job aborts with ERRAND_JOB_CANCELLED. When the
 * backend cannot be reached, jobs whose lease has lapsed locally are aborted too: another worker may
 * already be running them.
 */
export function startHeartbeat(options: HeartbeatOptions): () => void {
  const { backend, active, leaseMs, logger } = options;
  return every(options.heartbeatMs, async () => {
    const entries = [...active.values()].filter((entry) => !entry.aborted);
    if (entries.length === 0) return;
    const sentAt = Date.now();
    try {
      const statuses = await backend.heartbeat(
        entries.map((entry) => entry.lease),
        leaseMs,
      );
      entries.forEach((entry, index) => {
        const status = statuses[index];
        if (status === 'held') entry.lease.leaseUntil = sentAt + leaseMs;
        else if (status === 'cancelled') entry.abort(new ErrandError('ERRAND_JOB_CANCELLED', `job "${entry.job.jobId}" was cancelled while running`));
        else {
          logger.warn({ jobId: entry.job.jobId, attempt: entry.job.attempt }, 'heartbeat: lease lost; aborting the handler');
          entry.abort(new ErrandError('ERRAND_LEASE_LOST', `the lease on job "${entry.job.jobId}" was lost`));
        }
      });
    } catch (thrown) {
      options.onError(coerceError(thrown));
      const now = Date.now();
      for (const entry of entries) {
        if (entry.lease.leaseUntil <= now) entry.abort(new ErrandError('ERRAND_LEASE_LOST', `the lease on job "${entry.job.jobId}" lapsed while the backend was unreachable`));
      }
    }
  });
}

/** Prunes finished jobs past their retention every `intervalMs` (0: never). Returns a stop function. */
export function startPruning(backend: JobBackend, intervalMs: number, onError: (error: Error) => void): () => void {
  if (!(intervalMs > 0)) return () => undefined;
  return every(intervalMs, async () => {
    try {
      await backend.prune();
    } catch (thrown) {
      onError(coerceError(thrown));
    }
  });
}

/**
 * Asks the backend for this minute's queue depth sample (`sampleDepth`) when the worker starts and
 * then once a minute, a few random seconds into each minute (the backend keeps the first sample of a
 * minute, so many workers cost one count). Does nothing on a backend without it. Returns a stop
 * function that resolves once a sample in flight has ended, so none outlives the worker.
 */
export function startDepthSampling(backend: JobBackend, onError: (error: Error) => void): () => Promise<void> {
  const sample = backend.sampleDepth?.bind(backend);
  if (sample === undefined) return () => Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = (): void => {
    inFlight = sample()
      .catch((thrown: unknown) => {
        if (!stopped) onError(coerceError(thrown));
      })
      .finally(() => {
        if (stopped) return;
        const now = Date.now();
        timer = setTimeout(tick, 60_000 - (now % 60_000) + Math.floor(Math.random() * 5_000));
      });
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await inFlight;
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. Leaves no timer behind. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
