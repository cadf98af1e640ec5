import Fastify from 'fastify';
import { errand, frameworkErrors } from '../../src/adapters/fastify/errand.js';
import { acceptedJob, jobsRoutes } from '../../src/adapters/fastify/jobs-routes.js';
import { jsonResponse } from '../../src/adapters/fastify/json-response.js';
import { validate } from '../../src/adapters/fastify/validate.js';
import { describeAdapterConformance, type AdapterConformanceContext } from '../../src/testing/adapter-conformance.js';

function build(context: AdapterConformanceContext) {
  const app = Fastify({ frameworkErrors });
  const installed = errand(app, { mode: 'production', registry: context.registry, logger: context.logger, bodyLimit: context.bodyLimit });
  app.get('/items', (_request, reply) => jsonResponse(reply, []));
  app.post('/items', { preValidation: validate('json', context.itemSchema) }, (request, reply) => jsonResponse(reply, request.body, 201));
  app.get<{ Params: { name: string } }>('/items/:name', (request, reply) => jsonResponse(reply, { name: request.params.name }));
  app.get('/throw/string', () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw 'a string';
  });
  app.get('/throw/object', () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw { message: 'a plain object' };
  });
  app.get('/throw/undefined', () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw undefined;
  });
  app.get('/after-headers', async (_request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    reply.raw.write('partial');
    throw new Error('failed mid-body');
  });
  app.get('/task-fails', (request, reply) => {
    request.background.add(context.failingTask);
    return reply.type('text/plain').send('ok');
  });
  app.post('/jobs', async (_request, reply) => acceptedJob(reply, await context.enqueue()));
  void app.register(jobsRoutes(context.queue), { prefix: '/jobs' });
  return { app, runner: installed.runner };
}

describeAdapterConformance('fastify', {
  async start(context) {
    const { app, runner } = build(context);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return {
      port,
      close: async () => {
        await app.close();
        await runner.drain({ timeoutMs: 5_000 });
      },
    };
  },
});
