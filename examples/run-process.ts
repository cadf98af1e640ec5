import type { Logger } from 'pino';
import { banner } from './banner.js';
import type { ServiceConfig } from './config.js';
import { startHttpProcess } from './http-process.js';
import { startJobWorker } from './job-worker.js';
import { startMail } from './mail/start-mail.js';
import { openQueueBackend } from './queue-backend.js';
import { onShutdown } from './shutdown.js';

/**
 * One process does everything: HTTP, after-response tasks, the durable worker and the SMTP sink.
 * Shutdown order on SIGTERM: stop taking requests and drain their tasks, then stop the worker
 * (running jobs finish or are released), then the sink.
 */
export async function runSingleProcess(config: ServiceConfig, logger: Logger): Promise<void> {
  const mail = await startMail(config);
  // One backend for the app and the worker: a job enqueued here wakes the worker at once.
  const backend = await openQueueBackend(config);
  const http = await startHttpProcess(config, { smtpUrl: mail.smtpUrl, backend, logger });
  const jobs = startJobWorker(config, { backend, smtpUrl: mail.smtpUrl, logger });
  // The worker runs in this process, so this process's /metrics also counts job outcomes.
  http.service.metrics.jobs.observe(jobs.worker);
  onShutdown(logger, async () => {
    await http.close().finally(() => jobs.close());
    await backend.close();
    await mail.close();
    console.log('errand reference service stopped');
  });
  console.log(banner(config, { port: http.port, sinkUrl: mail.sinkUrl }));
}

/**
 * A `--workers` process: HTTP and after-response tasks only. The primary runs the SMTP sink (its
 * URL arrives as SMTP_URL) and the durable worker; jobs go through the shared queue.
 */
export async function runClusterWorker(config: ServiceConfig, logger: Logger): Promise<void> {
  if (config.smtpUrl === undefined) throw new Error('a cluster worker needs SMTP_URL from the primary');
  const http = await startHttpProcess(config, { smtpUrl: config.smtpUrl, logger });
  onShutdown(logger, () => http.close(), { patient: true });
}
