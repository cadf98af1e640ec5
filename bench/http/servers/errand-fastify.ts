import Fastify from 'fastify';
import { pino } from 'pino';
import { errand } from '../../../src/adapters/fastify/index.js';
import { HTTPException } from '../../../src/errors/index.js';
import { notFoundBody, oops, registered, registerTask } from './seed.js';

/*
 * The seed app on errand on Fastify, as docs/adapters.md teaches it, in production mode: the custom
 * exception is an HTTPException subclass (no stack trace in production), the seed's bodies come from
 * registry handlers answering through `reply`, the task goes through `request.background`. pino at `warn`, as errand-hono.
 */
class MyCustomException extends HTTPException {
  override name = 'MyCustomException';
  constructor(readonly itemName: string) {
    super(418, `${itemName} did something wrong`);
  }
}

const task = registerTask();
const app = Fastify({ logger: false });
const { registry } = errand(app, { logger: pino({ level: 'warn' }) });
// Custom bodies go out through Fastify's own reply, as on bare Fastify (a web Response would be
// built by undici and read back: more work than the rest of the request).
registry
  .on(MyCustomException, (error, { reply }) => reply.code(418).send(oops(error.itemName)))
  // The path from Fastify's request, as bare Fastify and errand-hono (`c.req.path`) read it.
  .on(404, (_error, { req, reply }) => reply.code(404).send(notFoundBody(req.url)));

// eslint-disable-next-line @typescript-eslint/require-await
app.get<{ Params: { name: string } }>('/items/:name', async (request) => {
  const { name } = request.params;
  if (name === 'error') throw new MyCustomException(name);
  return { name };
});

// eslint-disable-next-line @typescript-eslint/require-await
app.post<{ Body: { email?: string } }>('/register', async (request) => {
  if (task !== undefined) request.background.add(task, request.body.email ?? '');
  return registered;
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close());
