import type { JobBackend } from '../jobs/backend.js';

/**
 * Moves every dead job (of one task, when given) back to queued through the backend contract, and
 * resolves to how many were retried. Retried jobs leave the dead state, so it keeps reading the
 * first page until a page retries nothing: safe while workers keep adding dead jobs.
 *
 * @example
 * await retryAllDead(backend, 'send-welcome-email') // 3
 */
export async function retryAllDead(backend: JobBackend, task?: string): Promise<number> {
  let retried = 0;
  for (;;) {
    const page = await backend.list({ state: 'dead', task, limit: 100, offset: 0 });
    let progressed = false;
    for (const job of page.jobs) {
      if (await backend.retry(job.id)) {
        retried += 1;
        progressed = true;
      }
    }
    if (!progressed) return retried;
  }
}
