import { serve, type HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { randomBytes } from 'node:crypto';
import { MyCustomException, notFoundBody, oops, registered, registerTask } from './seed.js';

/*
 * The seed app on Hono with errand's contract written by hand, as a user would without errand: a
 * request id (a sane incoming X-Request-Id or a generated one) in the response header and in every
 * problem body, problem+json for 404/405/418/422/500 from one onError and notFound, and the task
 * run after the response's 'finish' with its failure logged with the request id. The 418 and the
 * custom 404 answer the seed's bodies, as errand's registry handlers do in errand-hono.ts.
 */
const task = registerTask();
type Env = { Bindings: HttpBindings; Variables: { requestId: string } };
const app = new Hono<Env>();

const saneId = /^[A-Za-z0-9._:-]{1,128}$/;
const prefix = randomBytes(8).toString('hex');
let issued = 0;

app.use(async function requestId(c, next) {
  const incoming = c.req.header('x-request-id');
  const id = incoming !== undefined && saneId.test(incoming) ? incoming : `${prefix}-${++issued}`;
  c.set('requestId', id);
  c.header('X-Request-Id', id);
  await next();
});

class HttpProblem extends Error {
  constructor(readonly status: 400 | 404 | 405 | 422 | 500, readonly detail: string, readonly extra: Record<string, unknown> = {}) {
    super(detail);
  }
}

function problem(c: Context<Env>, status: number, title: string, detail: string, extra: Record<string, unknown> = {}): Response {
  const body = { type: 'about:blank', title, status, detail, instance: c.req.path, requestId: c.get('requestId'), ...extra };
  return c.body(JSON.stringify(body), status as 400, { 'content-type': 'application/problem+json' });
}

app.get('/items/:name', (c) => {
  const name = c.req.param('name');
  if (name === 'error') throw new MyCustomException(name);
  return c.json({ name });
});

app.post('/register', async (c) => {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new HttpProblem(400, 'the request body is not valid JSON');
  }
  const email = (body as { email?: unknown }).email ?? '';
  if (typeof email !== 'string') throw new HttpProblem(422, 'validation failed', { errors: [{ pointer: '/email', message: 'expected a string' }] });
  const outgoing = c.env.outgoing;
  const id = c.get('requestId');
  if (task !== undefined) {
    outgoing.once('finish', () => {
      void Promise.resolve()
        .then(() => task(email))
        .catch((error: unknown) => console.error(JSON.stringify({ level: 'error', requestId: id, task: 'welcome', msg: String(error) })));
    });
  }
  return c.json(registered);
});

// The methods each path answers, kept by hand beside the routes (for 405 + Allow).
function allowed(path: string): string | undefined {
  if (path === '/register') return 'POST';
  if (/^\/items\/[^/]+$/.test(path)) return 'GET, HEAD';
  return undefined;
}

app.notFound((c) => {
  const allow = allowed(c.req.path);
  if (allow !== undefined) {
    c.header('Allow', allow);
    return problem(c, 405, 'Method Not Allowed', `${c.req.method} is not allowed here`);
  }
  return c.json(notFoundBody(c.req.path), 404);
});

app.onError((error, c) => {
  if (error instanceof MyCustomException) return c.json(oops(error.itemName), 418);
  if (error instanceof HttpProblem) return problem(c, error.status, error.status === 400 ? 'Bad Request' : 'Unprocessable Content', error.detail, error.extra);
  console.error(JSON.stringify({ level: 'error', requestId: c.get('requestId'), msg: error.message }));
  return problem(c, 500, 'Internal Server Error', 'The server failed to answer this request.');
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.once('SIGTERM', () => server.close());
