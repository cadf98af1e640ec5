import { appendFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { defineTask } from '../../src/jobs/define-task.js';

/** What a crash-run job does: sleeps `ms`, long enough to be killed in the middle. */
export interface NapPayload {
  ms: number;
}

/**
 * The one task of crash runs. Many retries, because every kill costs the killed job an attempt
 * (its lease lapses and the attempt counts as failed) and one unlucky job may be killed often.
 */
export const napTask = defineTask<NapPayload, { sleptMs: number }>('crash-nap', {
  retries: 200,
  backoff: { type: 'fixed', delayMs: 0 },
  handler: async ({ ms }, { signal, jobId, attempt }) => {
    await delay(ms, undefined, { signal });
    // The job's side effect, done once per attempt that ran to the end: a worker killed after it but
    // before its completion was stored makes it twice (at-least-once), which the chaos run counts.
    const effects = process.env.CRASH_EFFECTS;
    if (effects !== undefined) appendFileSync(effects, `${jobId} ${attempt}\n`);
    return { sleptMs: ms };
  },
});

/**
 * Blocks the worker's event loop for `ms` (a synchronous handler): the worker is alive but cannot
 * renew anything from its main thread. Its liveness thread keeps beating, so it keeps the job.
 */
export const blockTask = defineTask<{ ms: number }, { blockedMs: number; pid: number }>('crash-block', {
  handler: ({ ms }) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // spin
    }
    return { blockedMs: ms, pid: process.pid };
  },
});
