/**
 * Dedupe modes (`queued`, `replace`, debounce) let a job with a key be stored while an earlier
 * job with the same key runs, so the key is no longer unique among unfinished jobs. Enqueue now
 * takes a transaction-scoped advisory lock per key and reads the key's holders before writing
 * (see enqueue-keyed-jobs.ts); the index serves that read, newest holder first.
 */
export const sql = `
DROP INDEX :schema.jobs_key;
CREATE INDEX jobs_key ON :schema.jobs (key, seq) WHERE key IS NOT NULL AND state IN ('queued', 'retrying', 'running');
`;
