import type { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { errorResponses } from 'errand/errors';
import { jsonAnswer } from '../api-docs.js';
import { validate } from 'errand/hono';
import type { ServiceEnv, ServiceRuntime } from '../service-env.js';
import { privateAccess } from './private-access.js';

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.coerce.number().int().min(1).optional(),
});

const mailboxMessage = z.object({ id: z.uuid(), from: z.string(), to: z.array(z.string()), subject: z.string(), text: z.string(), receivedAt: z.iso.datetime() });

/**
 * `GET /dev/mailbox?limit=&cursor=`: the messages the built-in SMTP sink received, newest first, as
 * a JSON array of `{id, from, to, subject, text, receivedAt}`, one page at a time (`limit` 50 by
 * default, at most 500). When older messages remain, `Link: <…?cursor=…>; rel="next"` points at the
 * next page. Mail is private: in production it needs the dashboard's token. Read from the service
 * store, so any `--workers` process answers the same. Empty when SMTP_URL sends mail elsewhere.
 */
export function mailboxRoutes(app: Hono<ServiceEnv>, runtime: ServiceRuntime): void {
  const documented = describeRoute({
    summary: 'The mail the built-in SMTP sink received, newest first (private)',
    parameters: [
      { name: 'limit', in: 'query', required: false, description: 'Messages per page.', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
      { name: 'cursor', in: 'query', required: false, description: "The next page's cursor, from the `Link` header.", schema: { type: 'integer', minimum: 1 } },
    ],
    responses: {
      200: jsonAnswer('One page of messages', z.array(mailboxMessage), { Link: { description: '`<…?cursor=…>; rel="next"` while older messages remain.', schema: { type: 'string' } } }),
      ...errorResponses([401]),
    },
  });
  app.get('/dev/mailbox', documented, privateAccess(runtime.config), validate('query', pageQuery), (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = runtime.store.pageMail({ limit, ...(cursor === undefined ? {} : { before: cursor }) });
    if (page.nextCursor !== undefined) c.header('Link', `</dev/mailbox?limit=${limit}&cursor=${page.nextCursor}>; rel="next"`);
    return c.json(page.messages);
  });
}
