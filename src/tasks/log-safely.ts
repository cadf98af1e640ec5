import type { TaskLogger } from './task-runner-options.js';

/**
 * Writes one log line of the runner's own (a fault, a drain summary, a dropped task) and swallows
 * whatever the log sink throws: the runner's last resort, like Fastify's last error handler, cannot
 * throw. A sink that throws here has already failed once and there is nowhere left to report it;
 * letting it through would reject a promise nobody awaits and, under Node's default, stop the process.
 *
 * @example
 * logSafely(logger, 'warn', { task: 'sendWelcome' }, 'after-response task was dropped at shutdown');
 */
export function logSafely(logger: TaskLogger, level: keyof TaskLogger, fields: object, message: string): void {
  try {
    logger[level](fields, message);
  } catch {
    // Nowhere left to report it (see above).
  }
}
