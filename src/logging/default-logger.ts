import { traceLogFields } from '../tracing/trace-id.js';
import type { ErrandLogger } from './errand-logger.js';
import { createJsonLogger } from './json-logger.js';

let shared: ErrandLogger | undefined;

/**
 * The logger errand uses when it is given none: {@link createJsonLogger} at `info` on stdout (pino's
 * line format), through `createLogDestination()` so that a log sink that stops reading or goes away
 * never keeps the process from running or exiting. Lines written while an OpenTelemetry span is
 * active carry its `traceId` and `spanId` ({@link traceLogFields}). One per process, made on first
 * use; `name` binds a child.
 *
 * @example
 * const logger = options.logger ?? defaultLogger('errand')
 */
export function defaultLogger(name?: string): ErrandLogger {
  shared ??= createJsonLogger({ mixin: traceLogFields });
  return name === undefined ? shared : shared.child({ name });
}
