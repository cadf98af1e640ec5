import type { ProblemDetails } from '../../errors/problem-details.js';
import type { JobEvent, JobMeta, JobRecord, JobState } from '../../jobs/job.js';

/** A row of `errand_jobs` as better-sqlite3 returns it. */
export interface JobRow {
  seq: number;
  id: string;
  task: string;
  payload: string | null;
  state: StoredState;
  priority: number;
  run_at: number;
  key: string | null;
  attempts: number;
  max_attempts: number;
  token: string | null;
  lease_until: number | null;
  worker_id: string | null;
  cancel_requested: number;
  progress: string | null;
  result: string | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  history: string;
  meta: string | null;
  group_key: string | null;
}

/** What the `state` column holds; `delayed` is derived from `run_at` (see the first migration). */
export type StoredState = 'queued' | 'retrying' | 'running' | 'succeeded' | 'dead' | 'cancelled';

/** Timeline entries kept per job; older ones are dropped when a slow path rewrites the timeline. */
export const maxHistory = 50;

/** The state the contract shows for a stored state at time `now`. */
export function visibleState(state: StoredState, runAt: number, now: number): JobState {
  if (state === 'queued' && runAt > now) return 'delayed';
  if (state === 'retrying' && runAt <= now) return 'queued';
  return state;
}

/** Encodes a JSON value for a TEXT column; `undefined` is stored as NULL. */
export function encodeJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Encodes one timeline entry as stored in `history`. */
export function encodeEvent(event: JobEvent): string {
  return JSON.stringify(event);
}

/** Parses the stored timeline. */
export function decodeHistory(history: string): JobEvent[] {
  return history === '' ? [] : (JSON.parse(`[${history}]`) as JobEvent[]);
}

/**
 * Appends events to a stored timeline and keeps the last {@link maxHistory}. Consecutive progress
 * events of one attempt collapse into the latest, so a chatty handler cannot push the interesting
 * events (claims, failures) out of the window.
 */
export function appendHistory(history: string, ...events: JobEvent[]): string {
  const timeline = decodeHistory(history);
  for (const event of events) {
    const last = timeline.at(-1);
    if (event.type === 'progress' && last?.type === 'progress' && last.attempt === event.attempt) timeline.pop();
    timeline.push(event);
  }
  return timeline.slice(-maxHistory).map(encodeEvent).join(',');
}

/** Turns a row into the contract's record. */
export function rowToRecord(row: JobRow, now: number): JobRecord {
  const record: JobRecord = {
    id: row.id,
    task: row.task,
    payload: row.payload === null ? undefined : (JSON.parse(row.payload) as unknown),
    state: visibleState(row.state, row.run_at, now),
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: row.created_at,
    runAt: row.run_at,
    updatedAt: row.updated_at,
    history: decodeHistory(row.history),
  };
  if (row.key !== null) record.key = row.key;
  if (row.group_key !== null) record.group = row.group_key;
  if (row.progress !== null) record.progress = JSON.parse(row.progress) as unknown;
  if (row.result !== null) record.result = JSON.parse(row.result) as unknown;
  if (row.error !== null) record.error = JSON.parse(row.error) as ProblemDetails;
  if (row.started_at !== null) record.startedAt = row.started_at;
  if (row.finished_at !== null) record.finishedAt = row.finished_at;
  if (row.meta !== null) record.meta = JSON.parse(row.meta) as JobMeta;
  return record;
}
