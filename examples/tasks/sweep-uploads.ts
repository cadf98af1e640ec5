import { z } from 'zod';
import { defineTask } from 'errand/jobs';
import type { TaskDefinition } from 'errand/jobs';
import { sweepOldFiles } from '../files/upload-retention.js';

/** The `sweep-uploads` task's result: how many files it removed. */
export interface SweepResult {
  removed: number;
}

/**
 * The `sweep-uploads` task: removes uploaded files past the retention. Run by the `uploads-retention`
 * schedule (examples/service-schedules.ts), so it is one job per tick across every process, visible
 * on the dashboard with its next run, and its failures are retried and logged like any job's.
 *
 * @example
 * const sweep = createSweepUploadsTask({ dir: 'data/uploads', retentionMs: 86_400_000 })
 */
export function createSweepUploadsTask(options: { dir: string; retentionMs: number }): TaskDefinition<Record<string, never>, SweepResult> {
  return defineTask('sweep-uploads', {
    schema: z.object({}).strict(),
    retries: 2,
    timeout: 60_000,
    handler: async () => ({ removed: await sweepOldFiles(options.dir, options.retentionMs) }),
  });
}
