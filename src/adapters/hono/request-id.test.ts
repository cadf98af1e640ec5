import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../testing/memory-logger.js';
import { lazyRequestLogger, newRequestId, saneRequestId } from './request-id.js';

/** A parent logger that counts the children made from it. */
function countingParent(level: string): { parent: Logger; children: () => number; lines: Record<string, unknown>[] } {
  const { logger, lines } = memoryLogger();
  logger.level = level;
  let made = 0;
  const child = logger.child.bind(logger);
  logger.child = (bindings) => {
    made += 1;
    return child(bindings);
  };
  return { parent: logger, children: () => made, lines };
}

describe('newRequestId', () => {
  it('makes sane ids that never repeat within a process', () => {
    const ids = Array.from({ length: 10_000 }, () => newRequestId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(saneRequestId(id)).toBe(id);
    expect(ids[0]).toMatch(/^[0-9a-z]{13}-\d+$/);
  });

  it('draws a different prefix in every process, so ids stay unique across a fleet', () => {
    const module = fileURLToPath(new URL('./request-id.ts', import.meta.url));
    const script = `import { newRequestId } from ${JSON.stringify(module)}; console.log(newRequestId());`;
    const prefixOf = (id: string): string => id.slice(0, id.lastIndexOf('-'));
    const others = [0, 1].map(() => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
    const prefixes = new Set([newRequestId(), ...others].map(prefixOf));
    expect(prefixes.size).toBe(3);
    for (const id of others) expect(id).toMatch(/^[0-9a-z]{13}-1$/);
  });
});

describe('saneRequestId', () => {
  it('keeps short printable ids and refuses anything else', () => {
    expect(saneRequestId('abc-123.x:y_z')).toBe('abc-123.x:y_z');
    expect(saneRequestId('a'.repeat(128))).toBe('a'.repeat(128));
    expect(saneRequestId('a'.repeat(129))).toBeUndefined();
    expect(saneRequestId('<script>')).toBeUndefined();
    expect(saneRequestId('')).toBeUndefined();
    expect(saneRequestId(['a', 'b'])).toBeUndefined();
    expect(saneRequestId(undefined)).toBeUndefined();
  });
});

describe('lazyRequestLogger', () => {
  it('answers level checks and disabled levels without making a child', () => {
    const { parent, children, lines } = countingParent('warn');
    const log = lazyRequestLogger(parent, 'req-1');
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('error')).toBe(true);
    expect(log.level).toBe('warn');
    log.info('not written');
    log.debug({ a: 1 }, 'not written either');
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
  });

  it('makes one child, bound to the request id, at the first line written', () => {
    const { parent, children, lines } = countingParent('info');
    const log = lazyRequestLogger(parent, 'req-2');
    log.info({ step: 1 }, 'first');
    log.warn('second');
    expect(children()).toBe(1);
    expect(lines.map((line) => [line.requestId, line.msg])).toEqual([
      ['req-2', 'first'],
      ['req-2', 'second'],
    ]);
  });

  it('checks levels against its own parent when several parents share the process', () => {
    const quiet = lazyRequestLogger(pino({ level: 'error' }), 'a');
    const chatty = lazyRequestLogger(pino({ level: 'trace' }), 'b');
    expect(quiet.isLevelEnabled('info')).toBe(false);
    expect(chatty.isLevelEnabled('info')).toBe(true);
    expect(quiet.isLevelEnabled('info')).toBe(false);
  });
});
