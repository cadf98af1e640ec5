import type { Context, Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import { bodyLimit } from 'errand/hono';
import { validate } from 'errand/hono';
import { errorResponses } from 'errand/errors';
import { jsonAnswer } from '../api-docs.js';
import { writeRefusals } from '../limits/write-limits.js';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';

const registration = z.object({ email: z.email().meta({ example: 'ada@example.com' }) });
const fromQuery = validate<'query', typeof registration, ServiceEnv>('query', registration);
const fromBody = validate<'json', typeof registration, ServiceEnv>('json', registration);

/**
 * `POST /register` (seed §2.1): the email comes from the query `?email=` (as in the seed) or from a
 * JSON body `{"email"}`, each checked by errand's `validate` (422 naming the field, 400
 * `ERRAND_MALFORMED_JSON` for a broken body, 415 for a body that is not JSON) behind a 16 KiB body
 * limit (413). It answers at once, then the welcome email goes out: the durable `send-email` task
 * added with `{ durable: true }` is enqueued right after the response and sent by the queue's
 * worker, which retries a failed delivery with backoff. Dropping `{ durable: true }` runs the same
 * task in this process after the response, as FastAPI does.
 */
export function registerRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  app.post(
    '/register',
    bodyLimit(16 * 1024),
    describeRoute({
      summary: 'Register an email; the welcome email goes out after the response',
      parameters: [{ name: 'email', in: 'query', required: false, description: "The seed's form; without it, the JSON body.", schema: { type: 'string', format: 'email' }, example: 'ada@example.com' }],
      requestBody: { required: false, content: { 'application/json': { schema: resolver(registration) } } },
      responses: { 200: jsonAnswer('Registered; the welcome email is queued', z.object({ message: z.string() })), ...errorResponses(writeRefusals) },
    }),
    // The seed's query form when `?email=` is given, else the JSON body.
    (c: Context<ServiceEnv>, next) => (c.req.query('email') === undefined ? fromBody(c as never, next) : fromQuery(c as never, next)),
    (c) => {
      const { email } = validEmail(c);
      c.var.background.add(runtime.tasks.sendEmail, { to: email, subject: 'Welcome!', text: `Hello ${email},\n\nWelcome to our platform!\n` }, { durable: true });
      // Counted by the daily-digest schedule (examples/service-schedules.ts).
      c.var.background.add(runtime.tasks.recordRegistration, { email });
      return c.json({ message: 'Registration successful. You will receive an email shortly.' });
    },
  );
}

// Whichever of the two validators ran stored the value under its target.
function validEmail(c: Context): { email: string } {
  const target = c.req.query('email') === undefined ? 'json' : 'query';
  return c.req.valid(target as never);
}
