// The reference service: `npm start` (builds, then runs this file), `npm start -- --workers 4`.
import cluster from 'node:cluster';
import { pino } from 'pino';
import { createLogDestination } from 'errand';
import { runPrimary } from './cluster-primary.js';
import { loadConfig } from './config.js';
import { runSingleProcess, runClusterWorker } from './run-process.js';
import { startTracing } from './tracing.js';

// A log reader that went away must not crash the shutdown: the banner and the last line go to
// process.stdout, whose EPIPE would otherwise be an uncaught 'error' event.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const config = loadConfig();
// Through createLogDestination: a log sink that stops reading (full pipe) or goes away (EPIPE)
// neither blocks the service nor keeps it from exiting on SIGTERM, as pino's default would.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, createLogDestination());

const run = cluster.isWorker ? runClusterWorker : config.workers > 1 ? runPrimary : runSingleProcess;
// Traces over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (examples/tracing.ts); nothing otherwise.
startTracing()
  .then((tracing) => {
    // Flushes the last batch while the service shuts down (its own SIGTERM handler stops it).
    if (tracing !== undefined) for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void tracing.shutdown());
    return run(config, logger);
  })
  .catch((error: unknown) => {
  logger.fatal({ err: error }, 'the service could not start');
  process.exit(1);
});
