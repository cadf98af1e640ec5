import { sql as createJobs } from './0001-create-jobs.js';
import { sql as createWorkers } from './0002-create-workers.js';
import { sql as addJobMeta } from './0003-add-job-meta.js';
import { sql as createSchedules } from './0004-create-schedules.js';
import { sql as createRateLimits } from './0005-create-rate-limits.js';
import { sql as createSeries } from './0006-create-series.js';
import { sql as seriesByBatch } from './0007-series-by-batch.js';
import { sql as addJobGroups } from './0008-add-job-groups.js';
import { sql as workerBeatTime } from './0009-worker-beat-time.js';
import { sql as dedupeModes } from './0010-dedupe-modes.js';

/** One schema change. Versions are consecutive from 1 and never edited once released. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order. Add a file `000N-what.ts` and a row here; never edit an old one. */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'create-jobs', sql: createJobs },
  { version: 2, name: 'create-workers', sql: createWorkers },
  { version: 3, name: 'add-job-meta', sql: addJobMeta },
  { version: 4, name: 'create-schedules', sql: createSchedules },
  { version: 5, name: 'create-rate-limits', sql: createRateLimits },
  { version: 6, name: 'create-series', sql: createSeries },
  { version: 7, name: 'series-by-batch', sql: seriesByBatch },
  { version: 8, name: 'add-job-groups', sql: addJobGroups },
  { version: 9, name: 'worker-beat-time', sql: workerBeatTime },
  { version: 10, name: 'dedupe-modes', sql: dedupeModes },
];
