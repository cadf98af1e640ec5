import { z } from 'zod';
import { defineTask } from 'errand/jobs';
import type { TaskDefinition } from 'errand/jobs';
import type { ServiceDeps } from './service-deps.js';

const emailSchema = z.object({
  to: z.email(),
  subject: z.string().min(1).max(200),
  text: z.string().max(100_000),
});

/** The payload of the `send-email` task. */
export type EmailPayload = z.infer<typeof emailSchema>;

/**
 * The `send-email` task: one plain-text message over SMTP with nodemailer. Enqueued durably by
 * `POST /register`, so a refused or unreachable SMTP server is retried by the queue (5 retries,
 * exponential backoff from 500 ms) and a message is never lost with a process.
 *
 * @example
 * c.var.background.add(tasks.sendEmail, { to, subject: 'Welcome', text: 'Welcome to our platform!' }, { durable: true })
 */
export function createSendEmailTask(deps: Pick<ServiceDeps, 'mailer'>): TaskDefinition<EmailPayload, { messageId: string }> {
  return defineTask('send-email', {
    schema: emailSchema,
    retries: 5,
    backoff: { type: 'exponential', delayMs: 500, maxDelayMs: 30_000 },
    timeout: 30_000,
    handler: async (mail) => ({ messageId: await deps.mailer.send(mail) }),
  });
}
