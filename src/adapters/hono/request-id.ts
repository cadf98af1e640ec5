import type { Logger } from 'pino';

// Printable, log-safe and short: anything else from the outside is replaced, not trusted.
const saneId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The incoming request id when it is sane (1..128 of `A-Z a-z 0-9 . _ : -`), else `undefined`.
 *
 * @example
 * saneRequestId('abc-123') // 'abc-123'
 * saneRequestId('<script>') // undefined
 */
export function saneRequestId(value: string | string[] | null | undefined): string | undefined {
  return typeof value === 'string' && saneId.test(value) ? value : undefined;
}

/**
 * A logger bound to `requestId` that creates its pino child only when something is logged: most
 * requests log nothing, and a child logger per request is measurable on a fast route. Level checks
 * (`isLevelEnabled`, `level`) and calls at a disabled level are answered by the parent, without
 * building the child.
 */
export function lazyRequestLogger(parent: Logger, requestId: string): Logger {
  let child: Logger | undefined;
  return new Proxy(parent, {
    get(_target, key) {
      if (child === undefined) {
        if (key === 'isLevelEnabled' || key === 'level' || key === 'levelVal' || key === 'levels') return readFrom(parent, key);
        if (typeof key === 'string' && key in parent.levels.values && !parent.isLevelEnabled(key)) return noop;
        child = parent.child({ requestId });
      }
      return readFrom(child, key);
    },
  });
}

function readFrom(logger: Logger, key: string | symbol): unknown {
  const value: unknown = Reflect.get(logger, key, logger);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(logger) : value;
}

function noop(): void {}
