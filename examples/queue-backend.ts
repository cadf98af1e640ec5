import { join } from 'node:path';
import { createBackendFromUrl } from 'errand/backends/from-url';
import type { JobBackend } from 'errand/jobs';
import type { ServiceConfig } from './config.js';

/** The queue URL of the service: ERRAND_QUEUE, else the SQLite file `errand.db` in the data directory. */
export function queueUrl(config: ServiceConfig): string {
  return config.queueUrl ?? join(config.dataDir, 'errand.db');
}

/** Where the queue lives, for the start banner: `sqlite <path>` or the Redis URL without its password. */
export function describeQueue(config: ServiceConfig): string {
  if (config.queueUrl === undefined) return `sqlite ${queueUrl(config)}`;
  try {
    const url = new URL(config.queueUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return config.queueUrl;
  }
}

/**
 * Opens the job backend with the library's `createBackendFromUrl`: Redis (BullMQ) for
 * `ERRAND_QUEUE=redis://…`, otherwise SQLite shared by every `--workers` process.
 */
export function openQueueBackend(config: ServiceConfig): Promise<JobBackend> {
  return createBackendFromUrl(queueUrl(config));
}
