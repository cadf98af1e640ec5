/**
 * When each worker last beat (`beat_at`, epoch ms on the database's clock like `alive_until`): the
 * dashboard's "last heartbeat" is the time of the beat, not the record's expiry. Rows written by an
 * older errand have none until their worker's next beat.
 */
export const sql = `
ALTER TABLE :schema.workers ADD COLUMN beat_at bigint;
`;
