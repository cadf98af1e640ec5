/**
 * The logger errand writes to: pino's calling convention (`logger.error({ err, requestId }, 'message')`)
 * and `child(bindings)`. A pino logger, Fastify's `app.log` and errand's own {@link createJsonLogger}
 * fit as they are; pino is not a dependency of errand.
 */
export interface ErrandLogger {
  debug(object: object, message?: string): void;
  debug(message: string): void;
  info(object: object, message?: string): void;
  info(message: string): void;
  warn(object: object, message?: string): void;
  warn(message: string): void;
  error(object: object, message?: string): void;
  error(message: string): void;
  /** A logger whose lines all carry `bindings` (errand binds `requestId`). */
  child(bindings: Record<string, unknown>): ErrandLogger;
}
