import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrandError } from './errand-error.js';
import { clientErrorStacks, setClientErrorStacks } from './error-mode.js';
import { createErrorRegistry } from './error-registry.js';
import type { HandleInput } from './error-handler.js';
import { RefusalLog } from './refusal-log.js';
import { memoryLogger } from '../testing/memory-logger.js';

function input(requestId: string): HandleInput {
  return { request: new Request('http://local/register', { method: 'POST' }), requestId, mode: 'production', extra: {} };
}

function overloaded(): ErrandError {
  return new ErrandError('ERRAND_OVERLOADED', '10 after-response tasks are in flight (maxPending 10); retry later', { headers: { 'Retry-After': '1' } });
}

describe('expected refusals (503 ERRAND_OVERLOADED, ERRAND_SHUTTING_DOWN)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs the first refusal at warn with its request id, then one summary a second with the count', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    for (let i = 0; i < 1000; i++) {
      const response = await registry.handle(overloaded(), input(`req-${i}`));
      // Every refused request still gets the whole answer.
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, requestId: 'req-0', status: 503, code: 'ERRAND_OVERLOADED', instance: '/register' });
    expect(lines[0]).not.toHaveProperty('err');

    vi.advanceTimersByTime(1000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 40, status: 503, code: 'ERRAND_OVERLOADED', refused: 999, intervalMs: 1000, msg: '999 more requests refused with ERRAND_OVERLOADED in the last 1000 ms' });
    expect(lines[1]).not.toHaveProperty('requestId');

    // Still refusing: the next interval's refusals go to the next summary, not to lines of their own.
    await registry.handle(overloaded(), input('req-1000'));
    await registry.handle(overloaded(), input('req-1001'));
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(1000);
    expect(lines[2]).toMatchObject({ code: 'ERRAND_OVERLOADED', refused: 2 });

    // A quiet interval closes the window: the next refusal is logged at once, with its request id.
    vi.advanceTimersByTime(1000);
    expect(lines).toHaveLength(3);
    await registry.handle(overloaded(), input('req-later'));
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ level: 40, requestId: 'req-later', code: 'ERRAND_OVERLOADED' });
    vi.advanceTimersByTime(1000);
    expect(lines).toHaveLength(4);
  });

  it('throttles each code on its own and leaves other 5xx logged at error, one line each', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger });
    await registry.handle(overloaded(), input('req-1'));
    await registry.handle(new ErrandError('ERRAND_SHUTTING_DOWN', 'the server is shutting down'), input('req-2'));
    await registry.handle(new ErrandError('ERRAND_BACKEND_UNAVAILABLE', 'redis is down'), input('req-3'));
    await registry.handle(new ErrandError('ERRAND_BACKEND_UNAVAILABLE', 'redis is down'), input('req-4'));
    expect(lines.map((line) => [line.level, line.code, line.requestId])).toEqual([
      [40, 'ERRAND_OVERLOADED', 'req-1'],
      [40, 'ERRAND_SHUTTING_DOWN', 'req-2'],
      [50, 'ERRAND_BACKEND_UNAVAILABLE', 'req-3'],
      [50, 'ERRAND_BACKEND_UNAVAILABLE', 'req-4'],
    ]);
    expect(lines[2]).toHaveProperty('err.stack');
  });

  it('writes the summaries still due at exit at once, and nothing twice once the interval ends', () => {
    const { logger, lines } = memoryLogger();
    const log = new RefusalLog(logger);
    const fields = (code: string) => ({ status: 503, code, instance: '/register' });
    for (let i = 0; i < 3; i++) log.refused(logger, fields('ERRAND_SHUTTING_DOWN'), 'request refused: closing');
    log.refused(logger, fields('ERRAND_OVERLOADED'), 'request refused: busy');
    expect(lines).toHaveLength(2);
    log.flush();
    // The code refused only once has nothing to summarise.
    expect(lines.slice(2)).toEqual([expect.objectContaining({ level: 40, code: 'ERRAND_SHUTTING_DOWN', refused: 2 })]);
    vi.advanceTimersByTime(5000);
    expect(lines).toHaveLength(3);
  });

  it('logs a refusal a handler turned into another status as that status says', async () => {
    const { logger, lines } = memoryLogger();
    const registry = createErrorRegistry({ logger }).on(ErrandError, () => ({ status: 500, detail: 'mapped' }));
    await registry.handle(overloaded(), input('req-1'));
    await registry.handle(overloaded(), input('req-2'));
    expect(lines.map((line) => [line.level, line.status])).toEqual([
      [50, 500],
      [50, 500],
    ]);
  });
});

describe('stack traces of expected refusals', () => {
  const before = clientErrorStacks();
  afterEach(() => {
    setClientErrorStacks(before);
  });

  it('are not captured in production, unlike a fault with the same status', () => {
    setClientErrorStacks(false);
    expect(overloaded().stack).not.toContain('\n    at ');
    expect(new ErrandError('ERRAND_SHUTTING_DOWN', 'closing').stack).not.toContain('\n    at ');
    expect(new ErrandError('ERRAND_BACKEND_UNAVAILABLE', 'down').stack).toContain('\n    at ');
    // The limit is restored for everything else.
    expect(new Error('plain').stack).toContain('\n    at ');
  });

  it('are captured in debug mode', () => {
    setClientErrorStacks(true);
    expect(overloaded().stack).toContain('\n    at ');
  });
});
