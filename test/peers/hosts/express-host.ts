import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import type { ErrandLogger } from '../../../src/logging/errand-logger.js';
import { errand } from '../../../src/adapters/express/errand.js';
import type { ErrorRegistry } from '../../../src/errors/error-registry.js';
import type { ProblemFormat } from '../../../src/errors/render-problem.js';
import type { PeerApp, PeerRoute } from '../peer-app.js';
import { validated, type Started } from './started.js';

type Method = 'get' | 'post' | 'put' | 'delete';

function mount(app: express.Express, route: PeerRoute): void {
  const method = route.method.toLowerCase() as Method;
  const parse = route.text ? express.text({ limit: '10mb' }) : express.json({ limit: '10mb' });
  app[method](route.path, parse, async (req: Request, res: Response) => {
    const stream = route.streamThenThrow;
    if (stream) {
      res.type('text/plain');
      res.write(stream.chunk);
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw stream.error();
    }
    const params = (await validated(route.params, { ...req.params }, 'path')) as Record<string, string>;
    const query = (await validated(route.query, { ...(req.query as Record<string, string>) }, 'query')) as Record<string, string>;
    const body: unknown = route.body ? await validated(route.body, req.body, 'body') : req.body;
    const answer = await route.handler!({ params, query, body, background: req.background });
    res.status(answer.status ?? 200).set(answer.headers ?? {});
    if (answer.text !== undefined) res.type('text/plain').send(answer.text);
    else res.json(answer.json ?? null);
  });
}

/** The app on Express: errand(app) first, express.json() on each route, on a free port. */
export async function startExpress(spec: PeerApp, format: ProblemFormat, registry: ErrorRegistry, logger: ErrandLogger): Promise<Started> {
  const app = express();
  const { runner } = errand(app, { mode: spec.mode ?? 'production', format, registry, logger, ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }) });
  for (const route of spec.routes) mount(app, route);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await runner.drain({ timeoutMs: 5_000 });
    },
  };
}
