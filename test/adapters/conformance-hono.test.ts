import { Hono } from 'hono';
import { errand, type Errand } from '../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../src/adapters/hono/errand-env.js';
import { guardStream } from '../../src/adapters/hono/guard-stream.js';
import { acceptedJob, jobsRoutes } from '../../src/adapters/hono/jobs-routes.js';
import { jsonResponse } from '../../src/adapters/hono/json-response.js';
import { serve } from '../../src/adapters/hono/serve.js';
import { validate } from '../../src/adapters/hono/validate.js';
import { describeAdapterConformance, type AdapterConformanceContext } from '../../src/testing/adapter-conformance.js';

function failingStream(): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) throw new Error('failed mid-body');
      sent = true;
      controller.enqueue(new TextEncoder().encode('partial'));
    },
  });
}

function build(context: AdapterConformanceContext): { app: Hono<ErrandEnv>; installed: Errand } {
  const app = new Hono<ErrandEnv>();
  const installed = errand(app, { mode: 'production', registry: context.registry, logger: context.logger, bodyLimit: context.bodyLimit });
  app.get('/items', (c) => jsonResponse(c, []));
  app.post('/items', validate('json', context.itemSchema), (c) => jsonResponse(c, c.req.valid('json'), 201));
  app.get('/items/:name', (c) => jsonResponse(c, { name: c.req.param('name') }));
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
  app.get('/after-headers', (c) => c.body(guardStream(c as never, failingStream()), 200, { 'content-type': 'text/plain' }));
  app.get('/task-fails', (c) => {
    c.var.background.add(context.failingTask);
    return c.text('ok');
  });
  app.post('/jobs', async (c) => acceptedJob(c, await context.enqueue()));
  app.route('/jobs', jobsRoutes(context.queue));
  return { app, installed };
}

describeAdapterConformance('hono', {
  async start(context) {
    const { app, installed } = build(context);
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', runner: installed.runner, signals: false, logger: context.logger });
    const { port } = await server.listening;
    return { port, close: async () => void (await server.shutdown({ timeoutMs: 5_000 })) };
  },
});
