import Fastify from 'fastify';
import { afterFinish, MyCustomException, notFoundBody, oops, registered, registerTask } from './seed.js';

/* The seed app on bare Fastify: `setErrorHandler` and `setNotFoundHandler`, no logger. */
const task = registerTask();
const app = Fastify({ logger: false });

// Async handlers returning the body are Fastify's idiomatic (and its own benchmark's) style.
// eslint-disable-next-line @typescript-eslint/require-await
app.get<{ Params: { name: string } }>('/items/:name', async (request) => {
  const { name } = request.params;
  if (name === 'error') throw new MyCustomException(name);
  return { name };
});

app.post<{ Body: { email?: string } }>('/register', async (request, reply) => {
  afterFinish(reply.raw, task, request.body.email ?? '');
  return registered;
});

app.setNotFoundHandler((request, reply) => reply.code(404).send(notFoundBody(request.url)));
app.setErrorHandler((error, _request, reply) => {
  if (error instanceof MyCustomException) return reply.code(418).send(oops(error.itemName));
  return reply.code(500).send({ error: 'Internal Server Error' });
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close());
