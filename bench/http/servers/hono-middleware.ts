import { serve, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { afterFinish, MyCustomException, notFoundBody, oops, registered, registerTask } from './seed.js';

/*
 * Bare Hono (hono.ts) plus one no-op async middleware: the floor of any adapter built on Hono's public
 * middleware, as a middleware moves every request off Hono's single-handler fast path into compose.
 * Not a bench system; a reference for bench/instructions.ts (docs/benchmarks.md).
 */
const task = registerTask();
const app = new Hono<{ Bindings: HttpBindings }>();
app.use(async (_c, next) => { await next(); });

app.get('/items/:name', (c) => {
  const name = c.req.param('name');
  if (name === 'error') throw new MyCustomException(name);
  return c.json({ name });
});

app.post('/register', async (c) => {
  const { email = '' } = await c.req.json<{ email?: string }>();
  afterFinish(c.env.outgoing, task, email);
  return c.json(registered);
});

app.notFound((c) => c.json(notFoundBody(c.req.path), 404));
app.onError((error, c) => {
  if (error instanceof MyCustomException) return c.json(oops(error.itemName), 418);
  return c.json({ error: 'Internal Server Error' }, 500);
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.once('SIGTERM', () => server.close());
