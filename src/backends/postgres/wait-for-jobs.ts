import type { ClaimedJob, ClaimOptions } from '../../jobs/backend.js';
import type { ClaimNowOptions } from './claim-jobs.js';

/** How `claim` waits for work. */
export interface PollOptions {
  /** First pause after an empty claim, in ms. */
  minPollMs: number;
  /** Longest pause between polls, in ms: the worst delay before a delayed job or a lapsed lease is seen. */
  maxPollMs: number;
}

/** Claims waiting in this process; a notification (or a local enqueue) wakes them all. */
export type Waiters = Set<() => void>;

/** Wakes every waiting claim. */
export function wakeAll(waiters: Waiters): void {
  if (waiters.size === 0) return;
  for (const wake of [...waiters]) wake();
}

/**
 * Makes `claim` with its wait: try at once; when nothing is ready and `waitMs > 0`, sleep until a
 * notification (LISTEN) or the poll timer, backing off from `minPollMs` to `maxPollMs`, and claim
 * again. Polling is the fallback that finds delayed jobs coming due, lapsed leases, and everything
 * when LISTEN is unavailable (PgBouncer in transaction mode). The signal ends the wait.
 */
export function createClaim(
  claimNow: (options: ClaimNowOptions) => Promise<ClaimedJob[]>,
  waiters: Waiters,
  poll: PollOptions,
  isClosed: () => boolean,
  nextDue?: NextDue,
): (options: ClaimOptions) => Promise<ClaimedJob[]> {
  return async function claim(options) {
    const first = await claimNow(options);
    if (first.length > 0 || options.waitMs <= 0 || options.limit <= 0) return first;
    const deadline = Date.now() + options.waitMs;
    let pause = poll.minPollMs;
    let nap = pause;
    /** How soon a job seen at the last poll comes due (peeked at again at every poll until it is claimed). */
    let dueIn: number | undefined;
    const stopped = (): boolean => isClosed() || options.signal?.aborted === true;
    while (!stopped()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const woken = await sleep(Math.min(nap, remaining), waiters, options.signal);
      pause = woken ? poll.minPollMs : Math.min(pause * 2, poll.maxPollMs);
      nap = pause;
      if (stopped()) break;
      const jobs = await claimNow(options);
      if (jobs.length > 0) return jobs;
      // Woken for a job not yet due (a delayed job, a schedule's tick enqueued ahead), or still waiting
      // for one (a timer may fire a millisecond early): wake at its due time, not up to a poll later.
      if ((woken || dueIn !== undefined) && nextDue !== undefined) {
        const { at, now } = await nextDue(options.tasks, poll.maxPollMs);
        dueIn = at !== null && at > now ? at - now : undefined;
        if (dueIn !== undefined) nap = Math.min(pause, dueIn);
      }
    }
    return [];
  };
}

/** The run_at of the first job of `tasks` coming due within `horizonMs`, or null, and the clock reading it was measured from. */
export type NextDue = (tasks: readonly string[], horizonMs: number) => Promise<{ at: number | null; now: number }>;

/** Sleeps for `ms`; resolves true when woken early, false otherwise. */
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
