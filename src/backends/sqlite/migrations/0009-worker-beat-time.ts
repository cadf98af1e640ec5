/**
 * When each worker last beat (`beat_at`, epoch ms), beside how long its record stays valid
 * (`alive_until`): the dashboard's "last heartbeat" is the time of the beat, not the record's expiry.
 * Rows written by an older errand have none until their worker's next beat.
 */
export const sql = `
ALTER TABLE errand_workers ADD COLUMN beat_at INTEGER;
`;
