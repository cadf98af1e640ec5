import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JobBackend } from 'errand/jobs';
import { createWorker, type Worker } from 'errand/jobs';
import type { ServiceConfig } from './config.js';
import { LineWriter } from './files/line-writer.js';
import { createMailer } from './mail/mailer.js';
import { createServiceSchedules } from './service-schedules.js';
import { ServiceStore } from './store/service-store.js';
import { createServiceTasks, durableTasks } from './tasks/service-tasks.js';

/** A running durable-job worker with its own connections. */
export interface JobWorker {
  worker: Worker;
  /** Stops claiming, lets running jobs finish (or releases them), then closes its files and mail. */
  close(): Promise<void>;
}

/**
 * Starts the one durable-job worker of the service: it runs the upload analyses and the welcome
 * emails (with the queue's retries), and ticks the service's schedules (examples/service-schedules.ts:
 * the uploads retention sweep and the registrations digest). In `--workers N` mode only the primary process runs it, so
 * job concurrency does not grow with the number of HTTP processes.
 *
 * @example
 * const jobs = startJobWorker(config, { backend, smtpUrl: sink.url, logger })
 */
export function startJobWorker(config: ServiceConfig, options: { backend: JobBackend; smtpUrl: string; logger: Logger }): JobWorker {
  const store = new ServiceStore(config.dataDir);
  const mailer = createMailer(options.smtpUrl);
  const users = new LineWriter(join(config.dataDir, 'users.txt'));
  const audit = new LineWriter(join(config.dataDir, 'audit.log'));
  const tasks = createServiceTasks({ store, mailer, users, audit });
  const scheduled = createServiceSchedules(config, { store, mailer });
  const worker = createWorker({ backend: options.backend, tasks: [...durableTasks(tasks), ...scheduled.tasks], schedules: scheduled.schedules, concurrency: 8, logger: options.logger, pollMs: 500 }).start();
  worker.on('job:failed', ({ job, problem, willRetry }) =>
    options.logger.warn({ jobId: job.jobId, task: job.task, attempt: job.attempt, detail: problem.detail, willRetry }, 'a job attempt failed'),
  );
  return {
    worker,
    async close() {
      await worker.stop({ timeoutMs: 10_000 });
      await Promise.all([users.close(), audit.close()]);
      mailer.close();
      store.close();
    },
  };
}
