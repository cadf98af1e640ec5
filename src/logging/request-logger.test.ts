import { describe, expect, it } from 'vitest';
import type { ErrandLogger } from './errand-logger.js';
import { createJsonLogger } from './json-logger.js';
import { RequestLogger } from './request-logger.js';

// A root that counts the children it made, writing through errand's JSON logger.
function countingRoot(level: 'info' | 'warn' = 'info') {
  const raw: string[] = [];
  const json = createJsonLogger({ level, destination: { write: (line: string) => raw.push(line) } });
  let children = 0;
  const root: ErrandLogger & { isLevelEnabled(level: string): boolean } = {
    debug: (fields: object | string, message?: string) => (typeof fields === 'string' ? json.debug(fields) : json.debug(fields, message)),
    info: (fields: object | string, message?: string) => (typeof fields === 'string' ? json.info(fields) : json.info(fields, message)),
    warn: (fields: object | string, message?: string) => (typeof fields === 'string' ? json.warn(fields) : json.warn(fields, message)),
    error: (fields: object | string, message?: string) => (typeof fields === 'string' ? json.error(fields) : json.error(fields, message)),
    child(bindings) {
      children++;
      return json.child(bindings);
    },
    isLevelEnabled: (asked: string) => asked !== 'debug' && (level === 'info' || asked !== 'info'),
  };
  const lines = () => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { root, lines, children: () => children };
}

describe('RequestLogger', () => {
  it('makes no child until the request logs', () => {
    const { root, children } = countingRoot();
    const log = new RequestLogger(root, 'req-1');
    expect(log.isLevelEnabled('info')).toBe(true);
    expect(log.isLevelEnabled('debug')).toBe(false);
    expect(children()).toBe(0);
  });

  it('writes every level through one child bound to the request id, fields and message-only calls alike', () => {
    const { root, lines, children } = countingRoot();
    const log = new RequestLogger(root, 'req-2');
    log.info({ orderId: 7 }, 'order paid');
    log.warn('late');
    log.error({ code: 'X' }, 'failed');
    log.debug('hidden');
    expect(children()).toBe(1);
    expect(lines().map(({ requestId, msg, orderId, code }) => ({ requestId, msg, orderId, code }))).toEqual([
      { requestId: 'req-2', msg: 'order paid', orderId: 7, code: undefined },
      { requestId: 'req-2', msg: 'late', orderId: undefined, code: undefined },
      { requestId: 'req-2', msg: 'failed', orderId: undefined, code: 'X' },
    ]);
  });

  it("makes children of the request's child, which keep the request id", () => {
    const { root, lines } = countingRoot();
    new RequestLogger(root, 'req-3').child({ task: 'welcome' }).warn({}, 'slow');
    expect(lines()).toMatchObject([{ requestId: 'req-3', task: 'welcome', msg: 'slow' }]);
  });

  it('says every level is enabled when the root cannot tell (no isLevelEnabled)', () => {
    const json = createJsonLogger({ level: 'warn', destination: { write: () => undefined } });
    expect(new RequestLogger(json, 'req-4').isLevelEnabled('debug')).toBe(true);
  });
});
