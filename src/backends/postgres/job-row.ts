import type { ProblemDetails } from '../../errors/problem-details.js';
import type { JobEvent, JobMeta, JobRecord } from '../../jobs/job.js';
import { visibleState, type StoredState } from '../sqlite/job-row.js';

/**
 * The columns reads select. JSON columns come back as text so that a stored JSON `null` (a handler
 * that returned null) stays distinct from SQL NULL (no result), as on the other backends.
 */
export const recordColumns = `id, task, payload::text AS payload, state, priority, run_at, key, attempts, max_attempts,
  progress::text AS progress, result::text AS result, error::text AS error, created_at, started_at, finished_at, updated_at, history, meta, group_key`;

/** A row of {@link recordColumns} as node-postgres returns it: bigint columns arrive as strings. */
export interface JobRow {
  id: string;
  task: string;
  payload: string | null;
  state: StoredState;
  priority: number;
  run_at: string;
  key: string | null;
  attempts: number;
  max_attempts: number;
  progress: string | null;
  result: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  history: JobEvent[];
  meta: JobMeta | null;
  group_key: string | null;
}

/** Timeline entries kept per job; the slow paths trim older ones (see `trimmedHistory`). */
export const maxHistory = 50;

/** Encodes a JSON value for a `json` parameter; `undefined` is stored as NULL. */
export function encodeJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/**
 * SQL for `history` with `events` (a jsonb array expression) appended, keeping the last
 * {@link maxHistory}. A progress event replaces a progress event of the same attempt just before it,
 * so a chatty handler cannot push claims and failures out of the window.
 */
export function appendedHistory(events: string): string {
  const collapsed = `CASE WHEN history->-1->>'type' = 'progress' AND (${events})->0->>'type' = 'progress' AND history->-1->'attempt' = (${events})->0->'attempt' THEN history - (-1) ELSE history END || (${events})`;
  return `(SELECT coalesce(jsonb_agg(e ORDER BY i), '[]'::jsonb) FROM jsonb_array_elements(${collapsed}) WITH ORDINALITY AS t(e, i)
           WHERE i > jsonb_array_length(${collapsed}) - ${maxHistory})`;
}

/** Turns a row into the contract's record. */
export function rowToRecord(row: JobRow, now: number): JobRecord {
  const runAt = Number(row.run_at);
  const record: JobRecord = {
    id: row.id,
    task: row.task,
    payload: row.payload === null ? undefined : (JSON.parse(row.payload) as unknown),
    state: visibleState(row.state, runAt, now),
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: Number(row.created_at),
    runAt,
    updatedAt: Number(row.updated_at),
    history: row.history,
  };
  if (row.key !== null) record.key = row.key;
  if (row.group_key !== null) record.group = row.group_key;
  if (row.progress !== null) record.progress = JSON.parse(row.progress) as unknown;
  if (row.result !== null) record.result = JSON.parse(row.result) as unknown;
  if (row.error !== null) record.error = JSON.parse(row.error) as ProblemDetails;
  if (row.started_at !== null) record.startedAt = Number(row.started_at);
  if (row.finished_at !== null) record.finishedAt = Number(row.finished_at);
  if (row.meta !== null) record.meta = row.meta;
  return record;
}

/** The `seq` a claim token starts with (`<seq>.<random>`), so fenced statements use the primary key; -1 for a foreign token. */
export function tokenSeq(token: string): number {
  const seq = Number(token.slice(0, token.indexOf('.')));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : -1;
}
