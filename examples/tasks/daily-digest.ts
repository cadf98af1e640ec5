import { z } from 'zod';
import { defineTask } from 'errand/jobs';
import type { TaskDefinition } from 'errand/jobs';
import type { ServiceDeps } from './service-deps.js';

/** The `daily-digest` task's result. */
export interface DigestResult {
  registrations: number;
  /** The window counted, ISO 8601, [from, to). */
  from: string;
  to: string;
  messageId: string;
}

/** Most emails listed in one digest; the count is always exact. */
const listed = 100;

/**
 * A schedule's tick time, from its job id (`schedule.<name>.<tick epoch ms>`), or now for a job
 * enqueued by hand. A retried or late tick still counts the window of its own tick.
 */
function tickOf(jobId: string): number {
  const tick = Number(/^schedule\..+\.(\d+)$/.exec(jobId)?.[1]);
  return Number.isSafeInteger(tick) ? tick : Date.now();
}

/**
 * The `daily-digest` task: mails `to` the registrations (`POST /register`) since the last digest (the
 * first digest: the `periodMs` before its tick) up to its tick: how many, and the first 100
 * addresses. A skipped or missed tick therefore loses no registration: the next digest counts it.
 * A digest whose mail was sent but whose job was interrupted before it finished is sent again
 * (at-least-once). Run by the `daily-digest` schedule (examples/service-schedules.ts).
 *
 * @example
 * const digest = createDailyDigestTask({ store, mailer }, { to: 'ops@example.com', periodMs: 86_400_000 })
 */
export function createDailyDigestTask(deps: Pick<ServiceDeps, 'store' | 'mailer'>, options: { to: string; periodMs: number }): TaskDefinition<Record<string, never>, DigestResult> {
  return defineTask('daily-digest', {
    schema: z.object({}).strict(),
    retries: 5,
    backoff: { type: 'exponential', delayMs: 1_000, maxDelayMs: 60_000 },
    timeout: 30_000,
    handler: async (_payload, { jobId }) => {
      const to = tickOf(jobId);
      const from = Math.min(deps.store.digestEnd() ?? to - options.periodMs, to);
      const { count, emails } = deps.store.registrationsBetween(from, to, listed);
      const window = `${new Date(from).toISOString()} to ${new Date(to).toISOString()}`;
      const more = count > emails.length ? `\n… and ${count - emails.length} more\n` : '';
      const text = `${count} registration${count === 1 ? '' : 's'} from ${window}.\n\n${emails.join('\n')}${emails.length > 0 ? '\n' : ''}${more}`;
      const messageId = await deps.mailer.send({ to: options.to, subject: `Registrations digest: ${count}`, text });
      deps.store.setDigestEnd(to);
      return { registrations: count, from: new Date(from).toISOString(), to: new Date(to).toISOString(), messageId };
    },
  });
}
