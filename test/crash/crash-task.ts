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
  handler: async ({ ms }, { signal }) => {
    await delay(ms, undefined, { signal });
    return { sleptMs: ms };
  },
});
