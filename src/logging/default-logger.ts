import { pino, type Logger } from 'pino';
import { traceLogFields } from '../tracing/trace-id.js';
import { createLogDestination } from './log-destination.js';

let shared: Logger | undefined;

/**
 * The logger errand uses when it is given none: pino at `info` on stdout, through
 * {@link createLogDestination} so that a log sink that stops reading or goes away never keeps the
 * process from running or exiting. Lines written while an OpenTelemetry span is active carry its
 * `traceId` and `spanId` ({@link traceLogFields}). One per process, made on first use; `name` binds a child.
 *
 * @example
 * const logger = options.logger ?? defaultLogger('errand')
 */
export function defaultLogger(name?: string): Logger {
  shared ??= pino({ mixin: traceLogFields }, createLogDestination());
  return name === undefined ? shared : shared.child({ name });
}
