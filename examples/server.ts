// The reference service: `npm start` (builds, then runs this file), `npm start -- --workers 4`.
import cluster from 'node:cluster';
import { pino } from 'pino';
import { runPrimary } from './cluster-primary.js';
import { loadConfig } from './config.js';
import { runSingleProcess, runClusterWorker } from './run-process.js';

const config = loadConfig();
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });

const run = cluster.isWorker ? runClusterWorker : config.workers > 1 ? runPrimary : runSingleProcess;
run(config, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'the service could not start');
  process.exit(1);
});
