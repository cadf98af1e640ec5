import type { ErrandLogger } from './errand-logger.js';

/**
 * A request's logger: the root logger's child bound to `{ requestId }`, made when the request first
 * logs. Most requests log nothing, and a pino child costs about 4,700 instructions to make and
 * collect (callgrind, pino 9 at `warn`), paid on every request when made up front.
 * `isLevelEnabled` asks the root (a child has its level), so checking a level makes no child.
 *
 * @example
 * const log = new RequestLogger(logger, 'req-42');
 * log.warn({ orderId: 7 }, 'order is late'); // the child is made here, bound to requestId 'req-42'
 */
export class RequestLogger implements ErrandLogger {
  readonly #root: ErrandLogger;
  readonly #requestId: string;
  #child: ErrandLogger | undefined;

  constructor(root: ErrandLogger, requestId: string) {
    this.#root = root;
    this.#requestId = requestId;
  }

  #bound(): ErrandLogger {
    return (this.#child ??= this.#root.child({ requestId: this.#requestId }));
  }

  #write(level: 'debug' | 'info' | 'warn' | 'error', fields: object | string, message?: string): void {
    const log = this.#bound();
    if (typeof fields === 'string') log[level](fields);
    else log[level](fields, message);
  }

  debug(fields: object | string, message?: string): void {
    this.#write('debug', fields, message);
  }

  info(fields: object | string, message?: string): void {
    this.#write('info', fields, message);
  }

  warn(fields: object | string, message?: string): void {
    this.#write('warn', fields, message);
  }

  error(fields: object | string, message?: string): void {
    this.#write('error', fields, message);
  }

  child(bindings: Record<string, unknown>): ErrandLogger {
    return this.#bound().child(bindings);
  }

  /** Whether a line at `level` would be written: pino's answer (`isLevelEnabled`) when the root has one, else `true`. */
  isLevelEnabled(level: string): boolean {
    const check = (this.#root as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
    return typeof check !== 'function' || check.call(this.#root, level);
  }
}
