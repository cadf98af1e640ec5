import type { Hono } from 'hono';
import { z } from 'zod';
import { validate } from 'errand/hono';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';
import { privateAccess } from './private-access.js';

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.coerce.number().int().min(1).optional(),
});

/**
 * `GET /dev/mailbox?limit=&cursor=`: the messages the built-in SMTP sink received, newest first, as
 * a JSON array of `{id, from, to, subject, text, receivedAt}`, one page at a time (`limit` 50 by
 * default, at most 500). When older messages remain, `Link: <…?cursor=…>; rel="next"` points at the
 * next page. Mail is private: in production it needs the dashboard's token. Read from the service
 * store, so any `--workers` process answers the same. Empty when SMTP_URL sends mail elsewhere.
 */
export function mailboxRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  app.get('/dev/mailbox', privateAccess(runtime.config), validate('query', pageQuery), (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = runtime.store.pageMail({ limit, ...(cursor === undefined ? {} : { before: cursor }) });
    if (page.nextCursor !== undefined) c.header('Link', `</dev/mailbox?limit=${limit}&cursor=${page.nextCursor}>; rel="next"`);
    return c.json(page.messages);
  });
}
