import type { AddressInfo } from 'node:net';
import express from 'express';
import { errand } from '../../src/adapters/express/errand.js';
import { acceptedJob, jobsRoutes } from '../../src/adapters/express/jobs-routes.js';
import { jsonResponse } from '../../src/adapters/express/json-response.js';
import { validate } from '../../src/adapters/express/validate.js';
import { describeAdapterConformance, type AdapterConformanceContext } from '../../src/testing/adapter-conformance.js';
import { closeServer } from './client.js';

function build(context: AdapterConformanceContext) {
  const app = express();
  const installed = errand(app, { mode: 'production', registry: context.registry, logger: context.logger, bodyLimit: context.bodyLimit });
  app.use(express.json());
  app.get('/items', (_req, res) => jsonResponse(res, []));
  app.post('/items', validate('json', context.itemSchema), (req, res) => jsonResponse(res, req.body, 201));
  app.get('/items/:name', (req, res) => jsonResponse(res, { name: req.params.name }));
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
  app.get('/after-headers', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial');
    throw new Error('failed mid-body');
  });
  app.get('/task-fails', (req, res) => {
    req.background.add(context.failingTask);
    res.type('text/plain').send('ok');
  });
  app.post('/jobs', async (_req, res) => acceptedJob(res, await context.enqueue()));
  app.use('/jobs', jobsRoutes(context.queue));
  return { app, runner: installed.runner };
}

describeAdapterConformance('express', {
  async start(context) {
    const { app, runner } = build(context);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      close: async () => {
        await closeServer(server);
        await runner.drain({ timeoutMs: 5_000 });
      },
    };
  },
  knownFailures: {
    // Express's router turns a synchronous `throw undefined` into `next(undefined)`, which means
    // "not handled": errand never sees it and the request ends as a 404 (an async rejection with
    // undefined becomes Express's Error('Rejected promise') and is a 500).
    'a thrown undefined': 'Express drops a synchronous throw undefined (next(undefined))',
  },
});
