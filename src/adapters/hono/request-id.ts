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
  return new Proxy(parent, new LazyChild(parent, requestId));
}

// The parent's methods bound once per parent, not once per read: the error path asks every
// request logger `isLevelEnabled` before it logs a 4xx.
const boundByParent = new WeakMap<Logger, Map<string | symbol, unknown>>();

function boundFrom(parent: Logger, key: string | symbol): unknown {
  let bound = boundByParent.get(parent);
  if (bound === undefined) {
    bound = new Map();
    boundByParent.set(parent, bound);
  }
  let value = bound.get(key);
  if (value === undefined) {
    value = readFrom(parent, key);
    bound.set(key, value);
  }
  return value;
}

/** The proxy handler: one object per request, no closure. */
class LazyChild implements ProxyHandler<Logger> {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly requestId: string,
  ) {}

  get(_target: Logger, key: string | symbol): unknown {
    if (this.#child === undefined) {
      const parent = this.parent;
      if (key === 'isLevelEnabled') return boundFrom(parent, key);
      if (key === 'level' || key === 'levelVal' || key === 'levels') return readFrom(parent, key);
      if (typeof key === 'string' && key in parent.levels.values && !parent.isLevelEnabled(key)) return noop;
      this.#child = parent.child({ requestId: this.requestId });
    }
    return readFrom(this.#child, key);
  }
}

function readFrom(logger: Logger, key: string | symbol): unknown {
  const value: unknown = Reflect.get(logger, key, logger);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(logger) : value;
}

function noop(): void {}
