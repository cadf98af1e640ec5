import type { ClaimedJob, ClaimOptions } from '../../jobs/backend.js';
import type { ClaimNowOptions } from './claim-jobs.js';
import { createLapsedWorkers } from './lapsed-workers.js';
import type { SqliteContext } from './sqlite-context.js';

/** How `claim` waits for work. */
export interface PollOptions {
  /** First pause after an empty claim, in ms. */
  minPollMs: number;
  /** Longest pause between polls, in ms: the worst delay before another process's job is seen. */
  maxPollMs: number;
}

/** Claims waiting in this process; `notify()` wakes them all. */
export type Waiters = Set<() => void>;

/**
 * Makes `claim` with its wait: try at once; when nothing is ready and `waitMs > 0`, poll with a
 * read-only probe (no write lock, so idle workers do not contend with busy ones), backing off from
 * `minPollMs` to `maxPollMs`, and take the write lock only when the probe sees work. Enqueues in
 * this process wake the wait at once; the signal ends it early.
 */
export function createClaim(
  context: SqliteContext,
  claimNow: (options: ClaimNowOptions) => ClaimedJob[],
  waiters: Waiters,
  poll: PollOptions,
  isClosed: () => boolean,
): (options: ClaimOptions) => Promise<ClaimedJob[]> {
  const lapsedWorkers = createLapsedWorkers(context);
  // When a claim can take something: 0 for at once (a ready job, a lapsed lease, a dead worker's job),
  // the run_at of the first job coming due by `horizon`, else NULL.
  const probe = context.db
    .prepareValue(
      `SELECT CASE
         WHEN EXISTS (SELECT 1 FROM errand_jobs WHERE state IN ('queued', 'retrying') AND run_at <= @now AND task IN (SELECT value FROM json_each(@tasks)))
           OR EXISTS (SELECT 1 FROM errand_jobs WHERE state = 'running' AND lease_until <= @now)
           OR EXISTS (SELECT 1 FROM errand_jobs WHERE state = 'running' AND worker_id IN (SELECT value FROM json_each(@lapsed)))
         THEN 0
         ELSE (SELECT MIN(run_at) FROM errand_jobs WHERE state IN ('queued', 'retrying') AND run_at > @now AND run_at <= @horizon AND task IN (SELECT value FROM json_each(@tasks)))
       END`,
    );

  return async function claim(options) {
    const first = claimNow(options);
    if (first.length > 0 || options.waitMs <= 0 || options.limit <= 0) return first;
    const deadline = Date.now() + options.waitMs;
    const tasks = JSON.stringify(options.tasks);
    let pause = poll.minPollMs;
    let nap = pause;
    const stopped = (signal: AbortSignal | undefined): boolean => isClosed() || signal?.aborted === true;
    while (!stopped(options.signal)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const woken = await sleep(Math.min(nap, remaining), waiters, options.signal);
      pause = woken ? poll.minPollMs : Math.min(pause * 2, poll.maxPollMs);
      nap = pause;
      if (stopped(options.signal)) break;
      const now = context.now();
      const due = probe.get({ now, horizon: now + poll.maxPollMs, tasks, lapsed: JSON.stringify(lapsedWorkers(now)) });
      if (typeof due !== 'number' && typeof due !== 'bigint') continue;
      // A job coming due before the next poll (a delayed job, a schedule's tick enqueued ahead): wake at its time, not up to a poll later.
      if (Number(due) > now) {
        nap = Math.min(pause, Number(due) - now);
        continue;
      }
      const jobs = claimNow(options);
      if (jobs.length > 0) return jobs;
    }
    return [];
  };
}

/** Sleeps for `ms`; resolves true when woken early by `notify()`, false otherwise. */
function sleep(ms: number, waiters: Waiters, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    let woken = false;
    const wake = (): void => {
      woken = true;
      done();
    };
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      waiters.delete(wake);
      resolve(woken);
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    waiters.add(wake);
  });
}
