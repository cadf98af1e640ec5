import { hostname } from 'node:os';
import type { ErrandLogger } from './errand-logger.js';
import { createLogDestination } from './log-destination.js';

/** Levels, lowest first, with pino's numbers (so pino-pretty and log pipelines read the lines). */
const levels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** A level name, or `silent` for none. */
export type JsonLogLevel = keyof typeof levels | 'silent';

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lines below this level are not written. @default 'info' */
  level?: JsonLogLevel;
  /** Bound as `name` on every line. @default none */
  name?: string;
  /** Fields added to every line when it is written (errand's default logger adds the trace ids). @default none */
  mixin?: () => object;
  /** Where lines go, one JSON document and a newline each. @default createLogDestination() (stdout, never blocking) */
  destination?: { write(line: string): unknown };
}

/**
 * A small JSON-lines logger with pino's line format (`{"level":30,"time":…,"pid":…,"hostname":…,"msg":…}`)
 * and calling convention: errand's default when it is given no logger, so errand needs no logging
 * package. An `Error` in a field (`{ err }`) is written as `{ type, message, stack, code, cause, … }`;
 * circular references and bigints are written, never thrown. Pass your own pino or Fastify logger
 * to errand instead to get its transports, redaction and serializers.
 *
 * @example
 * const logger = createJsonLogger({ level: 'debug', name: 'billing' });
 * logger.info({ orderId }, 'order paid');
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): ErrandLogger {
  const threshold = options.level === 'silent' ? Infinity : levels[options.level ?? 'info'];
  const base = `"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  const sink = options.destination ?? createLogDestination();
  const root = { threshold, base, sink, mixin: options.mixin };
  return jsonLogger(root, options.name === undefined ? {} : { name: options.name });
}

interface Root {
  threshold: number;
  base: string;
  sink: { write(line: string): unknown };
  mixin: (() => object) | undefined;
}

/** A logger over `root` with `bindings`: plain closures, so its methods work detached or on a derived object. */
function jsonLogger(root: Root, bindings: Record<string, unknown>): ErrandLogger {
  const write = (level: number, first: object | string, message: string | undefined): void => {
    if (level < root.threshold) return;
    const fields: Record<string, unknown> = { ...bindings, ...root.mixin?.() };
    if (typeof first === 'string') message = first;
    else for (const [name, value] of Object.entries(first)) fields[name] = value instanceof Error ? serializeError(value) : value;
    if (message !== undefined) fields.msg = message;
    const body = stringify(fields);
    root.sink.write(`{"level":${level},"time":${Date.now()},${root.base}${body === '{}' ? '' : `,${body.slice(1, -1)}`}}\n`);
  };
  return {
    debug: (first: object | string, message?: string) => write(levels.debug, first, message),
    info: (first: object | string, message?: string) => write(levels.info, first, message),
    warn: (first: object | string, message?: string) => write(levels.warn, first, message),
    error: (first: object | string, message?: string) => write(levels.error, first, message),
    child: (more) => jsonLogger(root, { ...bindings, ...more }),
  };
}

/** An error as a log field: its class, message, stack, own fields and causes (as pino's `err` serializer). */
function serializeError(error: Error, depth = 0): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: error.constructor.name, message: error.message, stack: error.stack };
  for (const [name, value] of Object.entries(error)) {
    if (!(name in fields)) fields[name] = value instanceof Error ? serializeError(value, depth + 1) : value;
  }
  if (error.cause !== undefined && depth < 8) fields.cause = error.cause instanceof Error ? serializeError(error.cause, depth + 1) : error.cause;
  if (error instanceof AggregateError && depth < 8) fields.aggregateErrors = error.errors.map((each: unknown) => (each instanceof Error ? serializeError(each, depth + 1) : each));
  return fields;
}

const bigints = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

/** JSON text of `fields`, writing `"[Circular]"` for a reference to an enclosing object instead of throwing. */
function stringify(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, bigints);
  } catch {
    const ancestors: object[] = [];
    return JSON.stringify(fields, function (this: unknown, _key: string, value: unknown): unknown {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value !== 'object' || value === null) return value;
      // `this` is the object holding `value`: drop ancestors that are not on its path any more.
      while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
      if (ancestors.includes(value)) return '[Circular]';
      ancestors.push(value);
      return value;
    });
  }
}
