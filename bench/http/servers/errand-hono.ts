import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { pino } from 'pino';
import { errand, RequestIdResponse, type ErrandEnv } from '../../../src/adapters/hono/index.js';
import { HTTPException } from '../../../src/errors/index.js';
import { notFoundBody, oops, registered, registerTask } from './seed.js';

/*
 * The seed app on errand on Hono, written the way the docs teach it, in production mode
 * (NODE_ENV=production is set by the bench): the custom exception is an HTTPException subclass, so
 * in production it is built without a stack trace, and one registry handler gives the seed's body.
 * The logger is pino at `warn`, the bare frameworks' equivalent of logging nothing per request.
 * Tasks go through the runner errand(app) makes with its defaults (maxPending 10,000), as a user's would.
 */
class MyCustomException extends HTTPException {
  override name = 'MyCustomException';
  constructor(readonly itemName: string) {
    super(418, `${itemName} did something wrong`);
  }
}

const task = registerTask();
const app = new Hono<ErrandEnv>();
// As the docs teach: errand(app) alone gives every request its task list (c.var.background).
const { registry } = errand(app, { logger: pino({ level: 'warn' }) });
registry
  .on(MyCustomException, (error, { c }) => c.json(oops(error.itemName), 418))
  .on(404, (_error, { c }) => c.json(notFoundBody(c.req.path), 404));

app.get('/items/:name', (c) => {
  const name = c.req.param('name');
  if (name === 'error') throw new MyCustomException(name);
  return c.json({ name });
});

app.post('/register', async (c) => {
  const { email = '' } = await c.req.json<{ email?: string }>();
  // `c.get`, not `c.var`: Hono's `c.var` copies every request variable into a new object on each
  // read (docs/tasks.md, "Adding tasks").
  if (task !== undefined) c.get('background').add(task, email);
  return c.json(registered);
});

// As docs/errors.md teaches for @hono/node-server's own serve (errand's serve() does it itself):
// the request id is written inside writeHead, keeping Node's fast path for the response's headers.
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1', serverOptions: { ServerResponse: RequestIdResponse } });
process.once('SIGTERM', () => server.close());
