import type { SqliteContext } from './sqlite-context.js';

/**
 * Makes the question a claim asks before it takes jobs: which workers holding running jobs are gone
 * (their liveness record lapsed)? Asked the other way round, it would read every lapsed record, and
 * records of dead workers are kept a day: a host whose workers restart often piles up thousands, each
 * read at every claim and every poll of a waiting one. This reads the workers of the running jobs
 * (through the lease index: as many as the jobs running, whatever the history) and asks the liveness
 * file about those ids only, by primary key. With nothing running, the liveness file is not read.
 */
export function createLapsedWorkers(context: SqliteContext): (now: number) => string[] {
  const runningWorkers = context.db.prepareValue(`SELECT DISTINCT worker_id FROM errand_jobs WHERE state = 'running' AND worker_id IS NOT NULL`);
  return function lapsedWorkers(now) {
    const ids = runningWorkers.all() as string[];
    return ids.length === 0 ? [] : context.liveness.lapsed(now, ids);
  };
}
