const finished = `('succeeded', 'dead', 'cancelled')`;

/**
 * The count of finished jobs per task and state, as on SQLite (its migration 6), so `stats()` reads
 * these counts and counts only the unfinished jobs through their partial indexes, and `list()` takes
 * its total from them: neither scans the finished jobs, however many are kept.
 *
 * One row per task, state and `shard` (the writing connection's pid modulo 16, as the series, so
 * concurrent completions do not queue on one row); summed when read, so a shard may go negative.
 * Completions add to it in their own statement (`complete-jobs.ts`); every other change of a
 * finished state (failure to dead, cancel, retry, an insert of a finished row) by a row trigger that
 * completions do not fire; deletions (prune, remove) by a statement trigger over the deleted rows,
 * one upsert per task and state however many rows a prune chunk deletes. The table is filled from
 * the jobs already there under a lock that holds writers back until the migration commits.
 */
export const sql = `
LOCK TABLE :schema.jobs IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE :schema.finished_counts (
  task text NOT NULL,
  state text NOT NULL,
  shard smallint NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (task, state, shard)
);
INSERT INTO :schema.finished_counts (task, state, shard, n)
  SELECT task, state, 0, count(*) FROM :schema.jobs WHERE state IN ${finished} GROUP BY task, state;
CREATE FUNCTION :schema.count_finished() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.state IN ${finished} THEN
    INSERT INTO :schema.finished_counts AS c (task, state, shard, n) VALUES (OLD.task, OLD.state, pg_backend_pid() % 16, -1)
      ON CONFLICT (task, state, shard) DO UPDATE SET n = c.n - 1;
  END IF;
  IF NEW.state IN ${finished} THEN
    INSERT INTO :schema.finished_counts AS c (task, state, shard, n) VALUES (NEW.task, NEW.state, pg_backend_pid() % 16, 1)
      ON CONFLICT (task, state, shard) DO UPDATE SET n = c.n + 1;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER finished_counts_insert AFTER INSERT ON :schema.jobs
  FOR EACH ROW WHEN (NEW.state IN ${finished})
  EXECUTE FUNCTION :schema.count_finished();
CREATE TRIGGER finished_counts_update AFTER UPDATE OF state ON :schema.jobs
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND (OLD.state IN ${finished} OR NEW.state IN ${finished})
    AND NOT (OLD.state = 'running' AND NEW.state = 'succeeded'))
  EXECUTE FUNCTION :schema.count_finished();
CREATE FUNCTION :schema.uncount_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO :schema.finished_counts AS c (task, state, shard, n)
    SELECT task, state, pg_backend_pid() % 16, -count(*) FROM deleted WHERE state IN ${finished} GROUP BY task, state ORDER BY task, state
    ON CONFLICT (task, state, shard) DO UPDATE SET n = c.n + excluded.n;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER finished_counts_delete AFTER DELETE ON :schema.jobs
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
  EXECUTE FUNCTION :schema.uncount_deleted();
`;
