import type { JobBackend } from '../jobs/backend.js';
import type { JobState } from '../jobs/job.js';

/** What a bulk action does, and to which states it applies. */
export type BulkAction = 'retry' | 'cancel';

/** States each action can change; other states in a filter are skipped. */
export const bulkActionStates: Record<BulkAction, readonly JobState[]> = {
  retry: ['dead', 'cancelled'],
  cancel: ['queued', 'delayed', 'retrying', 'running'],
};

/** Most jobs one bulk request acts on; the answer says when more matched (send it again). */
export const maxBulkJobs = 10_000;

/**
 * Retries or cancels every job the filter selects, through the backend contract: it first collects
 * the ids (pages of the list, per state the action applies to), then acts on each. Jobs that changed
 * state meanwhile are skipped, not errors.
 *
 * @example
 * await bulkAction(backend, 'retry', { task: 'send-welcome-email' }) // { matched: 3, changed: 3, more: false }
 */
export async function bulkAction(backend: JobBackend, action: BulkAction, filter: { state?: JobState; task?: string }): Promise<{ matched: number; changed: number; more: boolean }> {
  const states = bulkActionStates[action].filter((state) => filter.state === undefined || state === filter.state);
  const ids: string[] = [];
  let more = false;
  for (const state of states) {
    for (let offset = 0; ; offset += 200) {
      const page = await backend.list({ state, task: filter.task, limit: 200, offset });
      for (const job of page.jobs) ids.push(job.id);
      if (ids.length >= maxBulkJobs) {
        more = true;
        break;
      }
      if (page.jobs.length < 200) break;
    }
    if (more) break;
  }
  const chosen = ids.slice(0, maxBulkJobs);
  let changed = 0;
  for (const id of chosen) if (await (action === 'retry' ? backend.retry(id) : backend.cancel(id))) changed += 1;
  return { matched: chosen.length, changed, more };
}
