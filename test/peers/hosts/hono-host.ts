import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { streamText } from 'hono/streaming';
import type { ErrandLogger } from '../../../src/logging/errand-logger.js';
import { errand } from '../../../src/adapters/hono/errand.js';
import type { ErrandEnv } from '../../../src/adapters/hono/errand-env.js';
import { onStreamError } from '../../../src/adapters/hono/guard-stream.js';
import { serve } from '../../../src/adapters/hono/serve.js';
import { validate } from '../../../src/adapters/hono/validate.js';
import type { ErrorRegistry } from '../../../src/errors/error-registry.js';
import type { ProblemFormat } from '../../../src/errors/render-problem.js';
import type { PeerApp, PeerReply, PeerRoute } from '../peer-app.js';
import type { Started } from './started.js';

type Env = ErrandEnv;

function send(c: Context<Env>, reply: PeerReply): Response {
  const status = reply.status ?? 200;
  const headers = reply.headers ?? {};
  if (reply.text !== undefined) return new Response(reply.text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
  return c.json(reply.json ?? null, status as 200, headers);
}

// errand's own validate() for every target: Hono is the host that has it.
function validators(route: PeerRoute): MiddlewareHandler[] {
  const steps: MiddlewareHandler[] = [];
  if (route.params) steps.push(validate('param', route.params) as MiddlewareHandler);
  if (route.query) steps.push(validate('query', route.query) as MiddlewareHandler);
  if (route.body) steps.push(validate('json', route.body) as MiddlewareHandler);
  return steps;
}

function mount(app: Hono<Env>, route: PeerRoute): void {
  const answer = async (c: Context<Env>): Promise<Response> => {
    const stream = route.streamThenThrow;
    if (stream) {
      return streamText(
        c,
        async (out) => {
          await out.write(stream.chunk);
          throw stream.error();
        },
        onStreamError(c),
      );
    }
    const valid = (target: 'param' | 'query' | 'json'): unknown => c.req.valid(target as never);
    const params = route.params ? (valid('param') as Record<string, string>) : c.req.param();
    const query = route.query ? (valid('query') as Record<string, string>) : c.req.query();
    const body = route.body ? valid('json') : route.text ? await c.req.text() : undefined;
    return send(c, await route.handler!({ params, query, body, background: c.var.background }));
  };
  app.on(route.method, [route.path], ...validators(route), answer);
}

/** The app on Hono: errand(app) (its task list included), errand's serve() on a free port. */
export async function startHono(spec: PeerApp, format: ProblemFormat, registry: ErrorRegistry, logger: ErrandLogger): Promise<Started> {
  const app = new Hono<Env>();
  const { runner } = errand(app, { mode: spec.mode ?? 'production', format, registry, logger, ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }) });
  for (const route of spec.routes) mount(app, route);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', signals: false, logger, runner });
  const { port } = await server.listening;
  return { port, close: async () => void (await server.shutdown({ timeoutMs: 5_000 })) };
}
