import type { Logger } from 'pino';

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits: 0 when it finished, 1 when it threw.
 * A second signal while stopping exits at once (the operator insists), unless `patient` is set: a
 * cluster worker gets Ctrl+C from the terminal and SIGTERM from its primary, and must not take
 * that as insistence.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, options: { patient?: boolean } = {}): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping && options.patient === true) return;
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(1);
    }
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
