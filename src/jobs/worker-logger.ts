/** The logging a worker needs; a pino logger fits as is. */
export interface WorkerLogger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** The default: warnings and errors to the console, nothing else (a library should be quiet). */
export const consoleWorkerLogger: WorkerLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (object, message) => console.warn(`[errand worker] ${message ?? ''}`, object),
  error: (object, message) => console.error(`[errand worker] ${message ?? ''}`, object),
};
