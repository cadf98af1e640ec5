/**
 * Dedupe modes (`queued`, `replace`, debounce) let a job with a key be stored while an earlier
 * job with the same key runs, so the key is no longer unique among unfinished jobs. Enqueue reads
 * the key's holders and writes under the write lock (`BEGIN IMMEDIATE`, or the app's transaction),
 * which is what kept two processes from storing one key twice; the index now serves that read,
 * newest holder first.
 */
export const sql = `
DROP INDEX errand_jobs_key;
CREATE INDEX errand_jobs_key ON errand_jobs (key, seq) WHERE key IS NOT NULL AND state IN ('queued', 'retrying', 'running');
`;
