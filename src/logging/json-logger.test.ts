import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createJsonLogger, type JsonLogLevel } from './json-logger.js';

function capture(level?: JsonLogLevel, mixin?: () => object) {
  const raw: string[] = [];
  const logger = createJsonLogger({ ...(level === undefined ? {} : { level }), ...(mixin === undefined ? {} : { mixin }), name: 'test', destination: { write: (line: string) => raw.push(line) } });
  const lines = () => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, raw, lines };
}

describe('createJsonLogger', () => {
  it("writes one line per call in pino's format: level number, time, pid, hostname, bindings, fields, msg", () => {
    const { logger, raw, lines } = capture();
    const before = Date.now();
    logger.info({ orderId: 7 }, 'order paid');
    expect(raw).toHaveLength(1);
    expect(raw[0]?.endsWith('}\n')).toBe(true);
    const [line] = lines();
    expect(line).toEqual({ level: 30, time: expect.any(Number) as number, pid: process.pid, hostname: hostname(), name: 'test', orderId: 7, msg: 'order paid' });
    expect(line?.time).toBeGreaterThanOrEqual(before);
  });

  it('numbers levels as pino does and leaves out lines below its level (info by default)', () => {
    const { logger, lines } = capture();
    logger.debug({}, 'hidden');
    logger.info({}, 'i');
    logger.warn({}, 'w');
    logger.error({}, 'e');
    expect(lines().map(({ level, msg }) => [level, msg])).toEqual([[30, 'i'], [40, 'w'], [50, 'e']]);
    const debug = capture('debug');
    debug.logger.debug('d');
    expect(debug.lines()).toEqual([expect.objectContaining({ level: 20, msg: 'd' })]);
    const warn = capture('warn');
    warn.logger.info('i');
    warn.logger.warn('w');
    expect(warn.lines().map(({ msg }) => msg)).toEqual(['w']);
    const silent = capture('silent');
    silent.logger.error({}, 'e');
    expect(silent.raw).toEqual([]);
  });

  it('takes a message alone, and fields alone', () => {
    const { logger, lines } = capture();
    logger.warn('just words');
    logger.info({ only: 'fields' });
    expect(lines()).toEqual([expect.objectContaining({ msg: 'just words' }), expect.not.objectContaining({ msg: expect.anything() as unknown })]);
    expect(lines()[1]).toMatchObject({ only: 'fields' });
  });

  it("binds a child's fields on every line of the child, not of its parent", () => {
    const { logger, lines } = capture();
    const child = logger.child({ requestId: 'r-1' });
    child.child({ attempt: 2 }).error({ code: 'X' }, 'failed');
    logger.info({}, 'parent');
    expect(lines()).toEqual([
      expect.objectContaining({ name: 'test', requestId: 'r-1', attempt: 2, code: 'X', msg: 'failed' }),
      expect.not.objectContaining({ requestId: 'r-1' }),
    ]);
  });

  it('writes an error field with its class, message, stack, own fields and cause chain', () => {
    const { logger, lines } = capture();
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    class MailError extends Error {}
    logger.error({ err: new MailError('mail failed', { cause }) }, 'task failed');
    const err = lines()[0]?.err as Record<string, unknown>;
    expect(err).toMatchObject({ type: 'MailError', message: 'mail failed', cause: { type: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' } });
    expect(err.stack).toContain('mail failed');
    const aggregate = capture();
    aggregate.logger.error({ err: new AggregateError([new Error('one'), 'two'], 'both') });
    expect(aggregate.lines()[0]?.err).toMatchObject({ type: 'AggregateError', message: 'both', aggregateErrors: [{ message: 'one' }, 'two'] });
  });

  it('writes circular references and bigints instead of throwing', () => {
    const { logger, lines } = capture();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const shared = { n: 1 };
    logger.info({ loop, left: shared, right: shared, big: 2n ** 70n }, 'odd values');
    expect(lines()[0]).toMatchObject({ loop: { name: 'loop', self: '[Circular]' }, left: { n: 1 }, right: { n: 1 }, big: '1180591620717411303424' });
  });

  it('adds the mixin fields of the moment to each line', () => {
    let n = 0;
    const { logger, lines } = capture(undefined, () => ({ traceId: `t${++n}` }));
    logger.info('a');
    logger.child({ requestId: 'r' }).info('b');
    expect(lines().map(({ traceId }) => traceId)).toEqual(['t1', 't2']);
  });
});
