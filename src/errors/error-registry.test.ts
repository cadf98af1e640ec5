import { describe, expect, it } from 'vitest';
import { ErrandError } from './errand-error.js';
import { answerError, createErrorRegistry } from './error-registry.js';
import type { HandleInput } from './error-handler.js';
import { HTTPException } from './http-exception.js';
import { routeMissError } from './route-miss-error.js';
import { memoryLogger } from '../testing/memory-logger.js';

class AppError extends Error {}
class PaymentError extends AppError {}

function input(): HandleInput {
  return { request: new Request('http://local/pay'), requestId: 'req-1', mode: 'production', extra: {} };
}

describe('createErrorRegistry', () => {
  it('picks the most specific class handler whatever the registration order', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(Error, () => ({ detail: 'catch-all' }))
      .on(AppError, () => ({ detail: 'app' }))
      .on(PaymentError, () => Response.json({ paid: false }, { status: 402 }));
    const paid = await registry.handle(new PaymentError('x'), input());
    expect(paid.status).toBe(402);
    expect(paid.headers.get('x-request-id')).toBe('req-1');
    expect((await (await registry.handle(new AppError('x'), input())).json()).detail).toBe('app');
    expect((await (await registry.handle(new TypeError('x'), input())).json()).detail).toBe('catch-all');
  });

  it('applies a handler registered after errors of its class and status were answered', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(AppError, () => ({ detail: 'app' }));
    expect((await (await registry.handle(new PaymentError('x'), input())).json()).detail).toBe('app');
    expect((await (await registry.handle(new HTTPException(409), input())).json()).detail).toBe('Conflict');
    registry.on(PaymentError, () => ({ detail: 'payment' })).on(409, () => ({ detail: 'taken' }));
    expect((await (await registry.handle(new PaymentError('x'), input())).json()).detail).toBe('payment');
    expect((await (await registry.handle(new HTTPException(409), input())).json()).detail).toBe('taken');
    expect((await (await registry.handle(new AppError('x'), input())).json()).detail).toBe('app');
  });

  it('falls through a handler that rejects to the next candidate, sync or async', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(PaymentError, () => Response.json({ paid: false }, { status: 402 }))
      .on(AppError, () => Promise.reject(new Error('handler broke')))
      .on(Error, () => Promise.resolve({ detail: 'async catch-all' }));
    expect((await registry.handle(new PaymentError('x'), input())).status).toBe(402);
    const body = await (await registry.handle(new AppError('x'), input())).json();
    expect(body).toMatchObject({ status: 500, detail: 'async catch-all' });
    expect((await createErrorRegistry({ logger }).handle(new HTTPException(404), input())).status).toBe(404);
  });

  it('ranks a status handler above the generic bases and below specific classes', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(HTTPException, () => ({ detail: 'any http' }))
      .on(404, () => ({ detail: 'custom 404' }));
    const body = await (await registry.handle(new HTTPException(404), input())).json();
    expect(body).toMatchObject({ status: 404, detail: 'custom 404', requestId: 'req-1' });
    expect((await (await registry.handle(new HTTPException(409), input())).json()).detail).toBe('any http');
  });

  it("gives a handler for Error only errors without a status, as Starlette's handler for Exception", async () => {
    const { logger } = memoryLogger();
    const seen: string[] = [];
    const registry = createErrorRegistry({ logger }).on(Error, (error) => {
      seen.push(error.message);
      return Response.json({ exception: 'server-error' }, { status: 500 });
    });
    const miss = await registry.handle(routeMissError('GET', '/no-such-route', []), input());
    expect(miss.status).toBe(404);
    expect(await miss.json()).toMatchObject({ status: 404, code: 'ERRAND_NOT_FOUND' });
    expect((await registry.handle(routeMissError('POST', '/pay', ['GET']), input())).status).toBe(405);
    expect((await registry.handle(new HTTPException(400), input())).status).toBe(400);
    expect((await registry.handle(new HTTPException(503), input())).status).toBe(503);
    expect((await registry.handle(new ErrandError('ERRAND_VALIDATION_FAILED', 'bad body'), input())).status).toBe(422);
    expect((await registry.handle(Object.assign(new Error('http-errors style'), { status: 409 }), input())).status).toBe(409);
    expect(seen).toEqual([]);
    const crash = await registry.handle(new TypeError('Oops!'), input());
    expect([crash.status, await crash.json()]).toEqual([500, { exception: 'server-error' }]);
    expect(seen).toEqual(['Oops!']);
  });

  it('gives a handler for HTTPException the route misses too, after a handler for their status', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(HTTPException, (error) => Response.json({ detail: error.detail }, { status: error.status }))
      .on(405, () => Response.json({ detail: 'Custom message' }, { status: 405 }));
    expect(await (await registry.handle(routeMissError('GET', '/404', []), input())).json()).toEqual({ detail: 'no route matches GET /404' });
    const wrong = await registry.handle(routeMissError('POST', '/func', ['GET', 'HEAD']), input());
    expect([wrong.status, wrong.headers.get('allow'), await wrong.json()]).toEqual([405, 'GET, HEAD', { detail: 'Custom message' }]);
  });

  it('treats 500 as an ordinary key: it sees unexpected errors and HTTPException(500) alike', async () => {
    const { logger } = memoryLogger();
    const seen: string[] = [];
    const registry = createErrorRegistry({ logger }).on(500, async (error) => {
      await Promise.resolve();
      seen.push(error.message);
      return { detail: 'we are on it' };
    });
    expect((await registry.handle(new Error('db down'), input())).status).toBe(500);
    expect((await registry.handle(new HTTPException(500, 'explicit'), input())).status).toBe(500);
    expect(seen).toEqual(['db down', 'explicit']);
  });

  it('falls back to the next candidate when a handler throws, then to the default problem', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(PaymentError, () => {
        throw new Error('handler bug');
      })
      .on(AppError, () => ({ detail: 'fallback' }));
    expect((await (await registry.handle(new PaymentError('x'), input())).json()).detail).toBe('fallback');
    expect(lines.some((line) => line.code === 'ERRAND_HANDLER_FAILED' && line.requestId === 'req-1')).toBe(true);
    const onlyBroken = createErrorRegistry({ logger }).on(404, () => Promise.reject(new Error('nope')));
    const res = await onlyBroken.handle(new HTTPException(404), input());
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('logs with the status the handler chose and drops the original title and code when it changes the status', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(AppError, (error) => ({ status: 418, detail: `Oops! ${error.message} did something wrong.` }));
    const response = await registry.handle(new AppError('error'), input());
    expect(response.status).toBe(418);
    const body = await response.json();
    expect(body).toMatchObject({ status: 418, title: "I'm a Teapot", detail: 'Oops! error did something wrong.' });
    expect(body.code).toBeUndefined();
    expect(lines.filter((line) => line.level === 50)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, status: 418, msg: "request rejected: I'm a Teapot" }));
  });

  it('writes the request id once per log line when the request logger already carries it', async () => {
    const raw: string[] = [];
    const { pino } = await import('pino');
    const requestLogger = pino({ level: 'debug' }, { write: (line: string) => void raw.push(line) }).child({ requestId: 'req-1' });
    await createErrorRegistry({ logger: requestLogger }).handle(new Error('boom'), { ...input(), logger: requestLogger });
    expect(raw.length).toBeGreaterThan(0);
    for (const line of raw) expect(line.match(/"requestId"/g)).toHaveLength(1);
  });

  it('gives handlers a context they can destructure: problem, status, headers, render and the adapter extra', async () => {
    const { logger } = memoryLogger();
    const seen: unknown[] = [];
    const registry = createErrorRegistry<{ tag: string }>({ logger }).on(409, ({ message }, { problem, status, headers, render, requestId, tag }) => {
      seen.push(status, headers['x-request-id'], requestId, tag, problem.detail, message);
      return render({ ...problem, detail: 'try again' }, { 'retry-after': '5' });
    });
    const response = await registry.handle(new HTTPException(409, 'busy'), { ...input(), extra: { tag: 'hono' } });
    expect(seen).toEqual([409, 'req-1', 'req-1', 'hono', 'busy', 'busy']);
    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(await response.json()).toMatchObject({ status: 409, detail: 'try again', requestId: 'req-1', instance: '/pay' });
  });

  it('lets a handler decline by returning undefined', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(AppError, () => undefined);
    expect((await registry.handle(new AppError('x'), input())).status).toBe(500);
  });

  it('has a last resort that cannot throw, even when rendering fails', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    const res = await registry.handle(new HTTPException(400), { ...input(), format: () => { throw new Error('formatter bug'); } });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ status: 500, code: 'ERRAND_HANDLER_FAILED', requestId: 'req-1' });
  });

  it('turns an unencodable problem (a cycle) into a safe 500 with ERRAND_ENCODING_FAILED', async () => {
    const { logger } = memoryLogger();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const registry = createErrorRegistry({ logger });
    const res = await registry.handle(new HTTPException(400, 'bad', { extensions: { cyclic } }), input());
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.code).toBe('ERRAND_ENCODING_FAILED');
    expect(JSON.stringify(body)).not.toContain('cycle');
  });

  it('coerces anything thrown and logs every error with the request id', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    for (const thrown of ['a string', undefined, { weird: true }, new AggregateError([new Error('a')], 'many')]) {
      const res = await registry.handle(thrown, input());
      expect(res.status).toBe(500);
    }
    const errors = lines.filter((line) => line.level === 50);
    expect(errors).toHaveLength(4);
    expect(errors.every((line) => line.requestId === 'req-1')).toBe(true);
    expect(errors.map((line) => (line.err as { message: string }).message)).toEqual(['a string', 'undefined was thrown', 'a non-error object was thrown: {"weird":true}', 'many']);
  });

  it('reports duplicate and unreachable registrations as ERRAND_REGISTRY_CONFLICT warnings', () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(404, () => undefined)
      .on(404, () => undefined)
      .on(AppError, () => undefined)
      .on(AppError, () => undefined)
      .on(302, () => undefined)
      .onTaskError(AppError, () => undefined)
      .onTaskError(AppError, () => undefined);
    expect(registry.conflicts().map((conflict) => conflict.key)).toEqual(['status 404', 'class AppError', 'status 302', 'class AppError']);
    expect(lines.filter((line) => line.code === 'ERRAND_REGISTRY_CONFLICT' && line.level === 40)).toHaveLength(4);
  });

  it('dispatches task errors to the most specific handler, falls back when one throws, never throws', async () => {
    const { logger, lines } = memoryLogger();
    const calls: string[] = [];
    const registry = createErrorRegistry({ logger })
      .onTaskError(Error, (error, info) => void calls.push(`error:${error.message}:${info.task}`))
      .onTaskError(PaymentError, () => {
        throw new Error('task handler bug');
      })
      .onTaskError(AppError, (_error, info) => void calls.push(`app:${String(info.requestId)}:${String(info.timedOut)}`));
    await registry.handleTaskError(new PaymentError('card'), { task: 'charge', requestId: 'req-9', timedOut: false });
    await registry.handleTaskError(new Error('plain'), { task: 'mail', timedOut: true });
    expect(calls).toEqual(['app:req-9:false', 'error:plain:mail']);
    const failed = lines.filter((line) => line.task === 'charge' && line.level === 50);
    // The failure itself is logged once, by the task runner; the registry logs only a handler that broke.
    expect(failed.map((line) => [line.code, line.msg])).toEqual([['ERRAND_HANDLER_FAILED', 'a task error handler threw; trying the next one']]);
    expect(lines.find((line) => line.task === 'mail')).toBeUndefined();
    await expect(createErrorRegistry({ logger }).handleTaskError(new ErrandError('ERRAND_TASK_FAILED', 'x'), { task: 't', timedOut: false })).resolves.toBeUndefined();
  });
});

describe('answerError with a host that answers through its own objects', () => {
  // Fastify's reply is thenable: it resolves once the response has finished.
  function thenableReply(): { sent: boolean; statusCode: number; then: (done: (value: undefined) => void) => void } {
    const reply = {
      sent: false,
      statusCode: 200,
      then(done: (value: undefined) => void): void {
        queueMicrotask(() => done(undefined));
      },
    };
    return reply;
  }

  it('answers at once when a handler returns a thenable reply the host has already sent', () => {
    const { logger } = memoryLogger();
    const reply = thenableReply();
    const registry = createErrorRegistry({ logger }).on(404, () => {
      reply.statusCode = 404;
      reply.sent = true;
      return reply;
    });
    const answer = answerError(registry, new HTTPException(404), input(), () => (reply.sent ? reply.statusCode : undefined));
    expect(answer).toEqual({ kind: 'sent', status: 404 });
  });

  it('waits for a thenable reply the host has not sent yet, then takes the status it was sent with', async () => {
    const { logger } = memoryLogger();
    const reply = thenableReply();
    const registry = createErrorRegistry({ logger }).on(404, () => {
      queueMicrotask(() => {
        reply.statusCode = 410;
        reply.sent = true;
      });
      return reply;
    });
    const answer = answerError(registry, new HTTPException(404), input(), () => (reply.sent ? reply.statusCode : undefined));
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toEqual({ kind: 'sent', status: 410 });
  });
});
