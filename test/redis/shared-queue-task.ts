import { setTimeout as delay } from 'node:timers/promises';
import { defineTask } from '../../src/jobs/define-task.js';

/** The task of the multi-process test: a short pause, so both workers get a share of the jobs. */
export const tallyTask = defineTask<{ n: number }, { n: number; pid: number }>('shared-tally', {
  retries: 0,
  handler: async ({ n }) => {
    await delay(5);
    return { n, pid: process.pid };
  },
});
