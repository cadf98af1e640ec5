import { describe, expect, it } from 'vitest';
import { createErrorRegistry, respondToMiss, type ErrorRegistry } from './error-registry.js';
import type { HandleInput } from './error-handler.js';
import { HTTPException } from './http-exception.js';
import type { ProblemFormat } from './render-problem.js';
import { isRouteMiss, routeMiss, routeMissError } from './route-miss-error.js';
import { memoryLogger } from '../testing/memory-logger.js';

function input(overrides: Partial<HandleInput> = {}): HandleInput {
  return { request: new Request('http://local/nowhere'), requestId: 'req-1', mode: 'production', extra: {}, ...overrides };
}

async function answer(response: Response | Promise<Response>): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const settled = await response;
  return { status: settled.status, headers: Object.fromEntries(settled.headers), body: await settled.text() };
}

// A route miss is answered by respondToMiss exactly as by the registry given its exception, whether
// or not the exception is built on the way.
describe('respondToMiss', () => {
  const cases = [
    ['a 404', routeMiss('GET', '/nowhere', [])],
    ['a 405 with Allow', routeMiss('DELETE', '/items', ['GET', 'HEAD'])],
  ] as const;

  for (const [label, miss] of cases) {
    for (const format of ['problem', 'fastapi', (problem: { detail?: string }) => ({ oops: problem.detail })] as ProblemFormat[]) {
      it(`answers ${label} as the registry answers its exception (format ${typeof format === 'string' ? format : 'function'}), and logs it alike`, async () => {
        const missed = memoryLogger();
        const handled = memoryLogger();
        const viaMiss = await answer(respondToMiss(createErrorRegistry({ logger: missed.logger }), miss, input({ format, logger: missed.logger })));
        const viaError = await answer(createErrorRegistry({ logger: handled.logger }).handle(routeMissError(miss), input({ format, logger: handled.logger })));
        expect(viaMiss).toEqual(viaError);
        expect(viaMiss.status).toBe(miss.status);
        expect(missed.lines.map(({ time: _time, ...line }) => line)).toEqual(handled.lines.map(({ time: _time, ...line }) => line));
        expect(missed.lines).toHaveLength(1);
      });
    }
  }

  it('sends the request id unless the adapter sent it already', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    const miss = routeMiss('GET', '/nowhere', []);
    expect((await answer(respondToMiss(registry, miss, input()))).headers['x-request-id']).toBe('req-1');
    const sent = await answer(respondToMiss(registry, miss, input({ requestIdSent: true })));
    expect(sent.headers).not.toHaveProperty('x-request-id');
    expect(JSON.parse(sent.body)).toMatchObject({ requestId: 'req-1', code: 'ERRAND_NOT_FOUND', instance: '/nowhere' });
    // A 405 still sends its Allow.
    const notAllowed = await answer(respondToMiss(registry, routeMiss('DELETE', '/items', ['GET']), input({ requestIdSent: true })));
    expect(notAllowed.headers).toEqual({ 'content-type': 'application/problem+json', allow: 'GET' });
  });

  it("gives a user's handler for the status the route miss as an HTTPException, and its answer wins", async () => {
    const { logger } = memoryLogger();
    const seen: unknown[] = [];
    const registry = createErrorRegistry({ logger }).on(404, (error) => {
      seen.push(error);
      return Response.json({ error: 'no such page' }, { status: 404 });
    });
    const reply = await answer(respondToMiss(registry, routeMiss('GET', '/nowhere', []), input()));
    expect([reply.status, reply.body]).toEqual([404, '{"error":"no such page"}']);
    expect(seen).toHaveLength(1);
    expect(isRouteMiss(seen[0])).toBe(true);
    expect(seen[0]).toMatchObject({ status: 404, message: 'no route matches GET /nowhere' });
  });

  it('gives the route miss to a handler for HTTPException, never to one for Error, as with its exception', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger })
      .on(Error, () => ({ detail: 'catch-all' }))
      .on(HTTPException, (error) => ({ detail: `http: ${error.message}` }));
    expect(JSON.parse((await answer(respondToMiss(registry, routeMiss('GET', '/x', []), input()))).body).detail).toBe('http: no route matches GET /x');
    const onlyError = createErrorRegistry({ logger }).on(Error, () => ({ detail: 'catch-all' }));
    expect(JSON.parse((await answer(respondToMiss(onlyError, routeMiss('GET', '/x', []), input()))).body).detail).toBe('no route matches GET /x');
  });

  it('applies a 404 handler registered after misses were answered without one', async () => {
    const { logger } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    expect((await answer(respondToMiss(registry, routeMiss('GET', '/x', []), input()))).headers['content-type']).toBe('application/problem+json');
    registry.on(404, () => ({ detail: 'custom' }));
    expect(JSON.parse((await answer(respondToMiss(registry, routeMiss('GET', '/x', []), input()))).body).detail).toBe('custom');
  });

  it("hands a formatter the route miss's exception when it reads it", async () => {
    const { logger } = memoryLogger();
    const format: ProblemFormat = (problem, context) => ({ detail: problem.detail, routeMiss: isRouteMiss(context.error), name: context.error.name });
    const body = JSON.parse((await answer(respondToMiss(createErrorRegistry({ logger }), routeMiss('POST', '/x', ['GET']), input({ format })))).body);
    expect(body).toEqual({ detail: 'POST is not allowed on /x; allowed: GET', routeMiss: true, name: 'HTTPException' });
  });

  it('answers through the full resolution when a formatter throws: the last-resort 500, logged once', async () => {
    const { logger, lines } = memoryLogger();
    const format: ProblemFormat = () => {
      throw new Error('formatter broke');
    };
    const viaMiss = await answer(respondToMiss(createErrorRegistry({ logger }), routeMiss('GET', '/x', []), input({ format, logger })));
    const other = memoryLogger();
    const viaError = await answer(createErrorRegistry({ logger: other.logger }).handle(routeMissError('GET', '/x', []), input({ format, logger: other.logger })));
    expect(viaMiss).toEqual(viaError);
    expect(lines.map((line) => line.msg)).toEqual(other.lines.map((line) => line.msg));
  });

  it('adds the stack in debug mode, as the exception resolved through the registry does', async () => {
    const { logger } = memoryLogger();
    const body = JSON.parse((await answer(respondToMiss(createErrorRegistry({ logger }), routeMiss('GET', '/x', []), input({ mode: 'debug' })))).body);
    expect(body.stack).toContain('HTTPException: no route matches GET /x');
  });

  it('answers with the Response itself, not a promise, when no handler had to be waited for', () => {
    const { logger } = memoryLogger();
    expect(respondToMiss(createErrorRegistry({ logger }), routeMiss('GET', '/x', []), input())).toBeInstanceOf(Response);
    const withHandler = createErrorRegistry({ logger }).on(404, () => ({ detail: 'custom' }));
    expect(respondToMiss(withHandler, routeMiss('GET', '/x', []), input())).toBeInstanceOf(Response);
  });

  it("asks a registry createErrorRegistry did not make through its handle, with the route miss's exception", async () => {
    const { logger } = memoryLogger();
    const inner = createErrorRegistry({ logger });
    const seen: unknown[] = [];
    const wrapped: ErrorRegistry = {
      ...inner,
      handle: (thrown, handled) => {
        seen.push(thrown);
        return inner.handle(thrown, handled);
      },
    };
    const reply = await answer(respondToMiss(wrapped, routeMiss('DELETE', '/items', ['GET']), input()));
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET');
    expect(seen).toHaveLength(1);
    expect(isRouteMiss(seen[0])).toBe(true);
  });
});
