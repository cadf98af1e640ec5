// The reference service: `npm start` (builds, then runs this file), `npm start -- --workers 4`.
import cluster from 'node:cluster';
import { pino } from 'pino';
import { createLogDestination } from '../src/logging/log-destination.js';
import { runPrimary } from './cluster-primary.js';
import { loadConfig } from './config.js';
import { runSingleProcess, runClusterWorker } from './run-process.js';

// A log reader that went away must not crash the shutdown: the banner and the last line go to
// process.stdout, whose EPIPE would otherwise be an uncaught 'error' event.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const config = loadConfig();
// Through createLogDestination: a log sink that stops reading (full pipe) or goes away (EPIPE)
// neither blocks the service nor keeps it from exiting on SIGTERM, as pino's default would.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, createLogDestination());

const run = cluster.isWorker ? runClusterWorker : config.workers > 1 ? runPrimary : runSingleProcess;
run(config, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'the service could not start');
  process.exit(1);
});
