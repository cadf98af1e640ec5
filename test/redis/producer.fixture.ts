/**
 * The producer process of the multi-process test: enqueues JOBS jobs in batches on the queue named
 * by ERRAND_QUEUE, prints their ids as one JSON line, and exits.
 */
import { createBackendFromUrl } from '../../src/backends/from-url.js';
import { createQueue, type EnqueueItem } from '../../src/jobs/queue.js';
import { tallyTask } from './shared-queue-task.js';

const backend = await createBackendFromUrl(process.env.ERRAND_QUEUE);
const queue = createQueue({ backend });
const total = Number(process.env.JOBS ?? 300);
const ids: string[] = [];
for (let start = 0; start < total; start += 50) {
  const batch: EnqueueItem<typeof tallyTask>[] = Array.from({ length: Math.min(50, total - start) }, (_, i) => ({ task: tallyTask, payload: { n: start + i } }));
  ids.push(...(await queue.enqueueMany(batch)));
}
process.stdout.write(`${JSON.stringify({ event: 'enqueued', ids })}\n`);
await backend.close();
