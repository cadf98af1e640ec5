import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { banner } from './banner.js';
import type { ServiceConfig } from './config.js';
import { startJobWorker } from './job-worker.js';
import { startMail } from './mail/start-mail.js';
import { openQueueBackend } from './queue-backend.js';
import { onShutdown } from './shutdown.js';

/**
 * `--workers N` (the seed's `uvicorn --workers`): the primary forks N HTTP processes that share one
 * port, and itself runs what must exist exactly once, the SMTP sink and the durable-job worker.
 * A worker that dies unexpectedly is replaced; SIGTERM stops the workers first, then the rest.
 */
export async function runPrimary(config: ServiceConfig, logger: Logger): Promise<void> {
  const mail = await startMail(config);
  const backend = await openQueueBackend(config);
  const jobs = startJobWorker(config, { backend, smtpUrl: mail.smtpUrl, logger });
  let stopping = false;
  const env = { SMTP_URL: mail.smtpUrl };

  const fork = (): Worker => cluster.fork(env);
  let ready = false;
  let failStartup: (error: Error) => void = () => undefined;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    // Dying before the service was ready (port taken, bad config) would only die again: give up.
    if (!ready) return failStartup(new Error(`a server process exited with ${signal ?? code} during startup (see its error above)`));
    logger.error({ pid: worker.process.pid, code, signal }, 'a server process died; starting another');
    fork();
  });

  const listening = new Promise<number>((resolve, reject) => {
    let count = 0;
    failStartup = reject;
    cluster.on('listening', (_worker, address) => {
      count += 1;
      if (count === config.workers) resolve(address.port);
    });
    setTimeout(() => reject(new Error('the server processes did not start within 60 s')), 60_000).unref();
  });
  for (let index = 0; index < config.workers; index += 1) fork();

  onShutdown(logger, async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    await jobs.close();
    await backend.close();
    await mail.close();
    console.log('errand reference service stopped');
  });
  let port: number;
  try {
    port = await listening;
  } catch (error) {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    await jobs.close();
    await backend.close();
    await mail.close();
    throw error;
  }
  ready = true;
  console.log(banner(config, { port, sinkUrl: mail.sinkUrl }));
}
