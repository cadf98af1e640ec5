import type { Hono } from 'hono';
import { z } from 'zod';
import { validationError } from '../../src/errors/validation-error.js';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';

const registration = z.object({ email: z.email() });

/** The email from a JSON body `{"email"}` or, as in the seed, the query `?email=`. */
async function readRegistration(request: Request, query: string | undefined): Promise<{ value: unknown; location: 'body' | 'query' }> {
  const type = request.headers.get('content-type') ?? '';
  if (query !== undefined || !/json/i.test(type)) return { value: query === undefined ? {} : { email: query }, location: 'query' };
  try {
    return { value: await request.json(), location: 'body' };
  } catch {
    return { value: {}, location: 'body' };
  }
}

/**
 * `POST /register` (seed §2.1): answers at once, then the welcome email goes out. The email is the
 * durable `send-email` task added with `{ durable: true }`: it is enqueued right after the response
 * and sent by the queue's worker, which retries a failed delivery with backoff. Dropping
 * `{ durable: true }` runs the same task in this process after the response, as FastAPI does.
 */
export function registerRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  app.post('/register', async (c) => {
    const { value, location } = await readRegistration(c.req.raw, c.req.query('email'));
    const parsed = await registration['~standard'].validate(value);
    if (parsed.issues !== undefined) throw validationError(parsed.issues, location);
    const { email } = parsed.value;
    c.var.background.add(runtime.tasks.sendEmail, { to: email, subject: 'Welcome!', text: `Hello ${email},\n\nWelcome to our platform!\n` }, { durable: true });
    return c.json({ message: 'Registration successful. You will receive an email shortly.' });
  });
}
