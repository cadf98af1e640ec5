import type { Hono } from 'hono';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';

/**
 * `GET /dev/mailbox`: every message the built-in SMTP sink received, oldest first, as a JSON array
 * of `{id, from, to, subject, text, receivedAt}`. Read from the service store, so any `--workers`
 * process answers the same. Empty when SMTP_URL sends mail elsewhere.
 */
export function mailboxRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  app.get('/dev/mailbox', (c) => c.json(runtime.store.listMail()));
}
