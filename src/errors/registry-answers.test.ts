import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../testing/memory-logger.js';
import { ErrandError, HTTPException, createErrorRegistry, problemFromError, type HandleInput } from './index.js';
import { hiddenDetail } from './problem-from-error.js';
import type { FormatContext } from './render-problem.js';

// What the registry promises in docs/errors.md, asserted through the public API only: the headers
// and log lines a client and an operator rely on.

function input(overrides: Partial<HandleInput> = {}): HandleInput {
  return { request: new Request('http://local/orders/7'), requestId: 'req-42', mode: 'production', extra: {}, ...overrides };
}

class AppError extends Error {}

describe('the last-resort 500', () => {
  it('is still a problem+json answer carrying the request id, in its header and its body', async () => {
    const { logger, lines } = memoryLogger();
    const broken = () => {
      throw new Error('formatter bug');
    };
    const response = await createErrorRegistry({ logger }).handle(new HTTPException(400), input({ format: broken }));
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-request-id')).toBe('req-42');
    expect(await response.json()).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: hiddenDetail, code: 'ERRAND_HANDLER_FAILED', requestId: 'req-42' });
    const failure = lines.find((line) => line.code === 'ERRAND_HANDLER_FAILED');
    expect(failure).toMatchObject({ level: 50, requestId: 'req-42', msg: 'error handling failed; sent the last-resort 500' });
    expect((failure?.err as { message: string }).message).toBe('formatter bug');
  });

  it('is the answer when rendering an async handler\'s problem fails', async () => {
    const { logger, lines } = memoryLogger();
    const broken = () => {
      throw new Error('formatter bug');
    };
    const registry = createErrorRegistry({ logger }).on(AppError, async () => {
      await Promise.resolve();
      return { detail: 'later' };
    });
    const response = await registry.handle(new AppError('x'), input({ format: broken }));
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 'ERRAND_HANDLER_FAILED', requestId: 'req-42' });
    expect(lines.find((line) => line.msg === 'error handling failed; sent the last-resort 500')).toMatchObject({ requestId: 'req-42' });
  });

  it('answers even when the logger itself throws', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    const throwing = Object.assign(Object.create(logger) as typeof logger, {
      error: () => {
        throw new Error('log sink closed');
      },
      child: () => throwing,
    });
    const response = await registry.handle(new Error('db down'), input({ logger: throwing, format: () => { throw new Error('formatter bug'); } }));
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('req-42');
  });
});

describe('logging of server errors', () => {
  it('logs every unexpected 500 at error with the error, not through the refusal throttle', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    await registry.handle(new Error('db down'), input());
    await registry.handle(new Error('db down'), input());
    await registry.handle(new ErrandError('ERRAND_BACKEND_UNAVAILABLE', 'redis unreachable'), input());
    const errors = lines.filter((line) => line.level === 50);
    expect(errors).toHaveLength(3);
    expect(errors.map((line) => line.msg)).toEqual(['request failed: db down', 'request failed: db down', 'request failed: redis unreachable']);
    expect(errors[0]).toMatchObject({ status: 500, code: 'ERRAND_INTERNAL', instance: '/orders/7', requestId: 'req-42' });
    expect((errors[0].err as { message: string }).message).toBe('db down');
    expect(errors[2]).toMatchObject({ status: 503, code: 'ERRAND_BACKEND_UNAVAILABLE' });
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
  });

  it('logs an expected refusal once at warn, then only counts it', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    for (let i = 0; i < 3; i++) await registry.handle(new ErrandError('ERRAND_OVERLOADED', 'too many tasks in flight'), input());
    expect(lines.filter((line) => line.level === 50)).toEqual([]);
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toEqual([expect.objectContaining({ status: 503, code: 'ERRAND_OVERLOADED', instance: '/orders/7', msg: 'request refused: too many tasks in flight' })]);
  });

  it('logs a refusal a handler turned into another 5xx as the failure it now is', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(ErrandError, () => ({ status: 500, detail: 'no' }));
    await registry.handle(new ErrandError('ERRAND_OVERLOADED', 'too many tasks in flight'), input());
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
    expect(lines.filter((line) => line.level === 50)).toEqual([expect.objectContaining({ status: 500, msg: 'request failed: too many tasks in flight' })]);
  });

  it('logs client errors at the configured level, and not at all when that level is off', async () => {
    const { logger, lines } = memoryLogger();
    await createErrorRegistry({ logger, clientErrorLevel: 'warn' }).handle(new HTTPException(404), input());
    expect(lines).toEqual([expect.objectContaining({ level: 40, status: 404, instance: '/orders/7', msg: 'request rejected: Not Found' })]);
    lines.length = 0;
    await createErrorRegistry({ logger }).handle(new HTTPException(409), input());
    expect(lines).toEqual([expect.objectContaining({ level: 30, status: 409, msg: 'request rejected: Conflict' })]);
    lines.length = 0;
    const quiet = memoryLogger('info');
    await createErrorRegistry({ logger, clientErrorLevel: 'debug' }).handle(new HTTPException(409), input({ logger: quiet.logger }));
    expect(quiet.lines).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("logs the code the client was sent: a hidden 5xx's own code only in debug mode (the error itself is logged with it either way)", async () => {
    for (const mode of ['production', 'debug'] as const) {
      const { logger, lines } = memoryLogger();
      const response = await createErrorRegistry({ logger }).handle(new HTTPException(503, 'replica lag', { code: 'APP_DB_DOWN' }), input({ mode }));
      const sent = ((await response.json()) as { code?: string }).code;
      expect(sent).toBe(mode === 'debug' ? 'APP_DB_DOWN' : undefined);
      const line = lines.find((entry) => entry.msg === 'request failed: replica lag');
      expect(line).toMatchObject({ status: 503 });
      expect(line?.code).toBe(sent);
    }
  });

  it('keeps the errand code in the log line only while the status is the one it describes', async () => {
    const { logger, lines } = memoryLogger();
    await createErrorRegistry({ logger }).handle(new ErrandError('ERRAND_JOB_NOT_FOUND', 'no job 7'), input());
    expect(lines.at(-1)).toMatchObject({ status: 404, code: 'ERRAND_JOB_NOT_FOUND' });
    await createErrorRegistry({ logger })
      .on(ErrandError, () => Response.json({}, { status: 410 }))
      .handle(new ErrandError('ERRAND_JOB_NOT_FOUND', 'no job 7'), input());
    expect(lines.at(-1)).toMatchObject({ status: 410 });
    expect(lines.at(-1)?.code).toBeUndefined();
  });
});

describe('headers of error responses', () => {
  it('never overwrites a header the handler set itself', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(429, () => new Response('slow down', { status: 429, headers: { 'retry-after': '60', 'x-request-id': 'from-the-app' } }));
    const response = await registry.handle(new HTTPException(429, 'busy', { headers: { 'retry-after': '5', 'x-limit': '10' } }), input());
    expect(response.headers.get('retry-after')).toBe('60');
    expect(response.headers.get('x-request-id')).toBe('from-the-app');
    expect(response.headers.get('x-limit')).toBe('10');
    expect(await response.text()).toBe('slow down');
  });

  it('adds the error headers to a handler response with immutable headers', async () => {
    const { logger } = memoryLogger();
    const frozen = Response.redirect('http://local/elsewhere', 307);
    const registry = createErrorRegistry({ logger }).on(AppError, () => frozen);
    const response = await registry.handle(new AppError('moved'), input());
    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe('http://local/elsewhere');
    expect(response.headers.get('x-request-id')).toBe('req-42');
  });

  it('adds the error headers and the request id to a handler response that lacks them', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(405, () => new Response(null, { status: 405 }));
    const allowed = await registry.handle(new HTTPException(405, undefined, { headers: { allow: 'GET' } }), input());
    expect(allowed.headers.get('allow')).toBe('GET');
    expect(allowed.headers.get('x-request-id')).toBe('req-42');
  });

  it('sends the error headers, the request id and the headers given to render together', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(503, (_error, { render }) => render(undefined, { 'retry-after': '30' }));
    const response = await registry.handle(new HTTPException(503, 'maintenance', { headers: { 'x-maintenance': 'yes' } }), input());
    expect(Object.fromEntries(response.headers)).toEqual({ 'content-type': 'application/problem+json', 'retry-after': '30', 'x-maintenance': 'yes', 'x-request-id': 'req-42' });
  });

  it("leaves the request id header out when the adapter sent it already, and still sends the error's own headers", async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    const allowed = await registry.handle(new HTTPException(405, undefined, { headers: { allow: 'GET' } }), input({ requestIdSent: true }));
    expect(Object.fromEntries(allowed.headers)).toEqual({ 'content-type': 'application/problem+json', allow: 'GET' });
    const unexpected = await registry.handle(new Error('boom'), input({ requestIdSent: true }));
    expect(unexpected.status).toBe(500);
    expect(Object.fromEntries(unexpected.headers)).toEqual({ 'content-type': 'application/problem+json' });
    expect(await unexpected.json()).toMatchObject({ code: 'ERRAND_INTERNAL', requestId: 'req-42' });
    const answered = await createErrorRegistry({ logger })
      .on(AppError, () => new Response('teapot', { status: 418 }))
      .handle(new AppError('x'), input({ requestIdSent: true }));
    expect(answered.headers.has('x-request-id')).toBe(false);
  });

  it('gives handlers the request id header even when the error has headers of its own', async () => {
    const { logger } = memoryLogger();
    let seen: Record<string, string> = {};
    const registry = createErrorRegistry({ logger }).on(401, (_error, { headers }) => void (seen = headers));
    await registry.handle(new HTTPException(401, undefined, { headers: { 'www-authenticate': 'Bearer' } }), input());
    expect(seen).toEqual({ 'www-authenticate': 'Bearer', 'x-request-id': 'req-42' });
  });
});

describe('statuses and problems', () => {
  it('accepts every status from 400 to 599 and nothing outside', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(599, () => ({ detail: 'edge' }))
      .on(400, () => ({ detail: 'first' }))
      .on(399, () => ({ detail: 'never' }))
      .on(600, () => ({ detail: 'never' }));
    expect(await (await registry.handle(new HTTPException(599), input())).json()).toMatchObject({ status: 599, detail: 'edge' });
    expect(await (await registry.handle(new HTTPException(400), input())).json()).toMatchObject({ status: 400, detail: 'first' });
    expect(registry.conflicts().map((conflict) => conflict.key)).toEqual(['status 399', 'status 600']);
  });

  it('keeps the status when a handler returns an invalid one, and drops title and code when it changes it', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(HTTPException, () => ({ status: 200, detail: 'not an error status' }))
      .on(AppError, () => ({ status: 503, code: 'APP_MAINTENANCE' }));
    expect(await (await registry.handle(new HTTPException(409, 'taken'), input())).json()).toMatchObject({ status: 409, title: 'Conflict', detail: 'not an error status' });
    const changed = await registry.handle(new AppError('x'), input());
    expect(changed.status).toBe(503);
    expect(await changed.json()).toEqual({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: hiddenDetail, instance: '/orders/7', requestId: 'req-42', code: 'APP_MAINTENANCE' });
  });

  it('uses the instance an adapter gives, and the request path otherwise', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    expect(await (await registry.handle(new HTTPException(404), input({ instance: '/mounted/orders/7' }))).json()).toMatchObject({ instance: '/mounted/orders/7' });
    expect(await (await registry.handle(new HTTPException(404), input({ request: new Request('http://local/a/b?q=1') }))).json()).toMatchObject({ instance: '/a/b' });
  });

  it('never sends the internal code of a foreign 5xx error in production, and shows it in debug mode', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { statusCode: 502, code: 'ECONNREFUSED' });
    const production = problemFromError(refused, { mode: 'production' }).problem;
    expect(production).toEqual({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: hiddenDetail });
    expect(JSON.stringify(production)).not.toMatch(/ECONNREFUSED|10\.0\.0\.7/);
    expect(problemFromError(refused, { mode: 'debug' }).problem).toMatchObject({ status: 502, code: 'ECONNREFUSED', detail: 'connect ECONNREFUSED 10.0.0.7:5432' });
    const conflict = Object.assign(new Error('taken'), { statusCode: 409, code: 'FST_TAKEN' });
    expect(problemFromError(conflict, { mode: 'production' }).problem).toMatchObject({ status: 409, code: 'FST_TAKEN', detail: 'taken' });
  });

  it('uses the reason phrase when a client error has no message, and a type the error gives', () => {
    const problem = problemFromError(new HTTPException(404, '', { type: 'https://errors.example/missing' }), { mode: 'production' }).problem;
    expect(problem).toMatchObject({ type: 'https://errors.example/missing', title: 'Not Found', status: 404 });
    const bare = Object.assign(new Error(''), { status: 418 });
    expect(problemFromError(bare, { mode: 'production' }).problem.detail).toBe("I'm a Teapot");
  });

  it('reports a cause it cannot encode instead of failing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const problem = problemFromError(new Error('boom', { cause: cyclic }), { mode: 'debug' }).problem;
    expect(problem.cause).toBe('the cause could not be encoded');
    expect(problemFromError(new Error('no cause'), { mode: 'debug' }).problem).not.toHaveProperty('cause');
  });
});

describe('handler lookup', () => {
  it('still finds the right handler after more than 256 error classes were seen', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(AppError, () => ({ detail: 'app' }));
    for (let i = 0; i < 300; i++) {
      const Made = class extends Error {};
      expect((await registry.handle(new Made('x'), input())).status).toBe(500);
    }
    expect(await (await registry.handle(new AppError('x'), input())).json()).toMatchObject({ detail: 'app' });
  });

  it('sees a handler registered after an error of that class was already answered', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    expect((await registry.handle(new AppError('x'), input())).status).toBe(500);
    registry.on(AppError, () => ({ status: 418 }));
    expect((await registry.handle(new AppError('x'), input())).status).toBe(418);
  });

  it('tries the status handler after specific classes and before the generic bases, for errand errors too', async () => {
    const { logger } = memoryLogger();
    const order: string[] = [];
    const registry = createErrorRegistry({ logger })
      .on(Error, () => void order.push('Error'))
      .on(ErrandError, () => void order.push('ErrandError'))
      .on(404, () => void order.push('404'))
      .on(500, () => void order.push('500'));
    await registry.handle(new ErrandError('ERRAND_JOB_NOT_FOUND', 'no job'), input());
    // The handler for Error sees only errors that carry no status (Starlette's Exception handler).
    expect(order).toEqual(['404', 'ErrandError']);
    order.length = 0;
    await registry.handle(new AppError('unexpected'), input());
    expect(order).toEqual(['500', 'Error']);
  });

  it('reports a class that is not an Error subclass as unreachable, and accepts Error itself', () => {
    const { logger } = memoryLogger();
    class NotAnError {}
    const registry = createErrorRegistry({ logger })
      .on(NotAnError as unknown as typeof Error, () => undefined)
      .on(Error, () => undefined)
      .onTaskError(NotAnError as unknown as typeof Error, () => undefined);
    expect(registry.conflicts()).toEqual([
      { code: 'ERRAND_REGISTRY_CONFLICT', key: 'class NotAnError', message: 'class NotAnError is not an Error subclass, so its handler can never run (anything thrown is first turned into an Error)' },
      { code: 'ERRAND_REGISTRY_CONFLICT', key: 'class NotAnError', message: 'class NotAnError is not an Error subclass, so its handler can never run (anything thrown is first turned into an Error)' },
    ]);
    expect(registry.hasTaskErrorHandlers()).toBe(false);
  });
});

describe('answers that must not fail', () => {
  it('answers 500 even when the request id cannot be sent as a header value', async () => {
    const { logger } = memoryLogger();
    const response = await createErrorRegistry({ logger }).handle(new Error('db down'), input({ requestId: 'bad\nid' }));
    expect(response.status).toBe(500);
  });

  it("answers the last resort, logged with the request id, when reading the adapter's extra throws", async () => {
    const { logger, lines } = memoryLogger();
    const extra = Object.defineProperty({}, 'c', {
      enumerable: true,
      get: () => {
        throw new Error('context torn down');
      },
    });
    const response = await createErrorRegistry({ logger }).handle(new HTTPException(404), input({ extra, logger }));
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 'ERRAND_HANDLER_FAILED', requestId: 'req-42' });
    expect(lines.find((line) => line.code === 'ERRAND_HANDLER_FAILED')).toMatchObject({ requestId: 'req-42', msg: 'error handling failed; sent the last-resort 500' });
  });

  it('answers the last resort when the registry logger cannot make a request logger', async () => {
    const { logger, lines } = memoryLogger();
    const broken = Object.assign(Object.create(logger) as typeof logger, {
      child: () => {
        throw new Error('child failed');
      },
    });
    const response = await createErrorRegistry({ logger: broken }).handle(new HTTPException(404), input());
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('req-42');
    expect(await response.json()).toMatchObject({ code: 'ERRAND_HANDLER_FAILED', requestId: 'req-42' });
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, code: 'ERRAND_HANDLER_FAILED', requestId: 'req-42' }));
  });

  it('logs a body it cannot encode with the request id, and answers a safe 500 that still names the request', async () => {
    const { logger, lines } = memoryLogger();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const response = await createErrorRegistry({ logger }).handle(new HTTPException(400, 'bad', { extensions: { cyclic } }), input());
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: hiddenDetail, instance: '/orders/7', code: 'ERRAND_ENCODING_FAILED', requestId: 'req-42' });
    const line = lines.find((entry) => entry.msg === 'the error response could not be rendered');
    expect(line).toMatchObject({ level: 50, requestId: 'req-42', code: 'ERRAND_ENCODING_FAILED' });
    expect((line?.err as { message: string }).message).toContain('a cycle');
  });

  it('logs a handler that threw, with what it threw, before trying the next one', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(AppError, () => {
        throw new Error('handler bug');
      })
      .on(500, () => ({ detail: 'from the 500 handler' }));
    const response = await registry.handle(new AppError('x'), input());
    expect(await response.json()).toMatchObject({ status: 500, detail: 'from the 500 handler' });
    const line = lines.find((entry) => entry.code === 'ERRAND_HANDLER_FAILED');
    expect(line).toMatchObject({ level: 50, requestId: 'req-42', msg: 'an error handler threw; trying the next one' });
    expect((line?.err as { message: string }).message).toBe('handler bug');
  });

  it('logs a 5xx whose code errand does not know at error, like any other fault', async () => {
    const { logger, lines } = memoryLogger();
    const foreign = Object.assign(new Error('vendor outage'), { statusCode: 503, code: 'ERRAND_VENDOR_OUTAGE' });
    await createErrorRegistry({ logger }).handle(foreign, input());
    expect(lines).toEqual([expect.objectContaining({ level: 50, status: 503, msg: 'request failed: vendor outage' })]);
  });
});

describe('what handlers and formatters get and give', () => {
  it('gives a custom formatter the error, the request and the request id', async () => {
    const { logger } = memoryLogger();
    const error = new HTTPException(404, 'no order 7');
    const request = new Request('http://local/orders/7');
    let seen: FormatContext | undefined;
    const format = (problem: { detail?: string }, context: FormatContext) => {
      seen = context;
      return { error: problem.detail };
    };
    const response = await createErrorRegistry({ logger }).handle(error, input({ request, format }));
    expect(await response.json()).toEqual({ error: 'no order 7' });
    expect([seen?.error, seen?.request, seen?.requestId]).toEqual([error, request, 'req-42']);
  });

  it('gives a handler the failed request', async () => {
    const { logger } = memoryLogger();
    const request = new Request('http://local/orders/7?expand=lines', { method: 'DELETE' });
    const registry = createErrorRegistry({ logger }).on(AppError, (_error, context) => ({ detail: `${context.request.method} ${new URL(context.request.url).search}` }));
    const response = await registry.handle(new AppError('x'), input({ request }));
    expect(((await response.json()) as { detail: string }).detail).toBe('DELETE ?expand=lines');
  });

  it("adds the adapter's extra to a handler's context without replacing the context's own members", async () => {
    const { logger } = memoryLogger();
    let seen: { requestId?: string; status?: number; c?: unknown } = {};
    const registry = createErrorRegistry<{ c: string; requestId: string; status: number }>({ logger }).on(AppError, (_error, context) => {
      seen = { requestId: context.requestId, status: context.status, c: context.c };
      return undefined;
    });
    const response = await registry.handle(new AppError('x'), { ...input(), extra: { c: 'host context', requestId: 'spoofed', status: 200 } });
    expect(response.status).toBe(500);
    expect(seen).toEqual({ requestId: 'req-42', status: 500, c: 'host context' });
  });

  it('merges members a handler returns into the default problem, keeping its title and code while the status stays', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(404, () => ({ detail: 'nothing lives here', hint: 'try /orders' }));
    const response = await registry.handle(new ErrandError('ERRAND_JOB_NOT_FOUND', 'no job 7'), input());
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'nothing lives here', hint: 'try /orders', instance: '/orders/7', code: 'ERRAND_JOB_NOT_FOUND', requestId: 'req-42' });
  });

  it('sends a response from another copy of the Fetch API as is', async () => {
    const { logger } = memoryLogger();
    // Not an instance of this realm's Response (another undici, a vm context), but a response all the same.
    const foreign = { status: 418, statusText: "I'm a Teapot", headers: new Headers({ 'x-brewed': 'yes' }), body: null, arrayBuffer: () => Promise.resolve(new ArrayBuffer(0)) };
    const registry = createErrorRegistry({ logger }).on(AppError, () => foreign as unknown as Response);
    const response = await registry.handle(new AppError('x'), input());
    expect(response).toBe(foreign);
    expect(response.headers.get('x-request-id')).toBe('req-42');
  });
});

describe('registrations', () => {
  it('says in each conflict what was replaced or can never run', () => {
    const { logger } = memoryLogger();
    const Anonymous = (() => class extends Error {})();
    const registry = createErrorRegistry({ logger })
      .on(404, () => undefined)
      .on(404, () => undefined)
      .on(AppError, () => undefined)
      .on(AppError, () => undefined)
      .on(302, () => undefined)
      .onTaskError(AppError, () => undefined)
      .onTaskError(AppError, () => undefined)
      .on(Anonymous, () => undefined)
      .on(Anonymous, () => undefined);
    expect(registry.conflicts().map(({ key, message }) => [key, message])).toEqual([
      ['status 404', 'a second status handler for status 404 replaced the first; register one handler per key'],
      ['class AppError', 'a second error handler for class AppError replaced the first; register one handler per key'],
      ['status 302', 'status 302 is not an error status (400..599), so its handler can never run'],
      ['class AppError', 'a second task error handler for class AppError replaced the first; register one handler per key'],
      ['class anonymous', 'a second error handler for class anonymous replaced the first; register one handler per key'],
    ]);
  });

  it('says whether a task-error handler is registered', () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    expect(registry.hasTaskErrorHandlers()).toBe(false);
    registry.onTaskError(AppError, () => undefined);
    expect(registry.hasTaskErrorHandlers()).toBe(true);
  });

  it('reaches a task-error handler for a base class without logging the classes it walked past', async () => {
    const { logger, lines } = memoryLogger();
    const seen: string[] = [];
    const registry = createErrorRegistry({ logger }).onTaskError(Error, (error) => void seen.push(error.name));
    await registry.handleTaskError(new TypeError('bad input'), { task: 'mail', requestId: 'req-1', timedOut: false });
    expect(seen).toEqual(['TypeError']);
    expect(lines).toEqual([]);
  });
});
