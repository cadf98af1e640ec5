import type { EnqueueResult, NewJob } from './job.js';

/**
 * How an enqueue with a `key` treats a job that already has that key (see docs/jobs.md,
 * "Deduplication"). A job "waits" from its enqueue until its first attempt starts; after that it
 * is "started" (running, retrying, or back in the queue after a release) until it finishes.
 *
 * - `'active'` (the default): while any unfinished job has the key (waiting, running, retrying),
 *   the enqueue stores nothing and answers that job's id.
 * - `'queued'`: while a job with the key waits, the enqueue stores nothing and answers its id; once
 *   that job has started, an enqueue stores a new job (so at most one job per key waits).
 * - `'replace'`: as `'queued'`, but the waiting job's payload becomes this enqueue's payload (the
 *   last payload wins; its id, time, priority and attempts are kept).
 * - `{ debounce: { delayMs, maxDelayMs? } }`: a burst of enqueues is one job, run `delayMs` after
 *   the last enqueue of the burst and at most `maxDelayMs` after its first, with the last payload.
 *
 * @example
 * await queue.enqueue(reindex, { userId }, { key: `reindex:${userId}`, dedupe: { debounce: { delayMs: 2_000, maxDelayMs: 30_000 } } })
 */
export type DedupeOption = 'active' | 'queued' | 'replace' | { debounce: DebounceOptions };

/** Options of the debounce mode of {@link DedupeOption}. */
export interface DebounceOptions {
  /** The job runs this many ms after the last enqueue of the burst. Whole ms, >= 0. */
  delayMs: number;
  /**
   * Longest wait in ms from the first enqueue of a burst: a burst that never pauses still runs
   * once per `maxDelayMs`. Whole ms, >= `delayMs`. @default unbounded
   */
  maxDelayMs?: number;
}

/** The dedupe mode stored with a {@link NewJob}; absent means `'active'`. JSON-compatible (the outbox carries it). */
export type JobDedupe = { mode: 'queued' } | { mode: 'replace' } | { mode: 'debounce'; delayMs: number; maxDelayMs?: number };

/** An unfinished job holding a key, as a backend reads it under its write lock. */
export interface KeyHolder {
  id: string;
  /** True once its first attempt started (running, retrying, or released back to the queue). */
  started: boolean;
  runAt: number;
  createdAt: number;
}

/** What a backend does with one new keyed job. */
export type DedupeDecision =
  | { action: 'insert' }
  | { action: 'drop'; id: string }
  /** Set the holder's payload to the new job's and its run time to `runAt`; answer its id. */
  | { action: 'replace'; id: string; runAt: number };

/** The {@link JobDedupe} a job is stored with for an enqueue option, or undefined for `'active'`. Throws RangeError for bad options. */
export function jobDedupeOf(option: DedupeOption | undefined): JobDedupe | undefined {
  if (option === undefined || option === 'active') return undefined;
  if (option === 'queued' || option === 'replace') return { mode: option };
  if (typeof option === 'object' && typeof option.debounce === 'object') {
    const { delayMs, maxDelayMs } = option.debounce;
    if (!(Number.isInteger(delayMs) && delayMs >= 0)) throw new RangeError(`enqueue: dedupe.debounce.delayMs must be a whole number of ms >= 0, got ${delayMs}`);
    if (maxDelayMs === undefined) return { mode: 'debounce', delayMs };
    if (!(Number.isInteger(maxDelayMs) && maxDelayMs >= delayMs)) {
      throw new RangeError(`enqueue: dedupe.debounce.maxDelayMs must be a whole number of ms >= delayMs (${delayMs}), got ${maxDelayMs}`);
    }
    return { mode: 'debounce', delayMs, maxDelayMs };
  }
  throw new RangeError(`enqueue: dedupe must be 'active', 'queued', 'replace' or { debounce: { delayMs, maxDelayMs? } }, got ${JSON.stringify(option)}`);
}

/**
 * Decides what storing `job` does, given the unfinished jobs that hold its key (newest first),
 * read under the backend's write lock so that no other enqueue of the key runs in between. Every
 * backend uses it, so the modes mean the same everywhere.
 *
 * @example
 * const decision = decideDedupe(job, holdersOf(job.key), now) // { action: 'insert' } when nothing holds the key
 */
export function decideDedupe(job: NewJob, holders: readonly KeyHolder[], now: number): DedupeDecision {
  const dedupe = job.dedupe;
  if (dedupe === undefined) {
    const [holder] = holders;
    return holder === undefined ? { action: 'insert' } : { action: 'drop', id: holder.id };
  }
  const waiting = holders.find((holder) => !holder.started);
  if (waiting === undefined) return { action: 'insert' };
  if (dedupe.mode === 'queued') return { action: 'drop', id: waiting.id };
  if (dedupe.mode === 'replace') return { action: 'replace', id: waiting.id, runAt: waiting.runAt };
  // A job already due keeps its time (it runs with the new payload as soon as a worker is free);
  // a debounced one moves to delayMs after this enqueue, capped at maxDelayMs after the burst's first.
  if (waiting.runAt <= now) return { action: 'replace', id: waiting.id, runAt: waiting.runAt };
  const cap = dedupe.maxDelayMs === undefined ? Number.POSITIVE_INFINITY : waiting.createdAt + dedupe.maxDelayMs;
  return { action: 'replace', id: waiting.id, runAt: Math.max(waiting.runAt, Math.min(now + dedupe.delayMs, cap)) };
}

/**
 * What an enqueue did, as {@link Queue.enqueueWithOutcome} answers it (see docs/jobs.md,
 * "Deduplication"):
 * - `'stored'`: a new job was stored (no key, or nothing held it that the mode drops or replaces for);
 * - `'dropped'`: nothing was stored; `id` is the existing job that holds the key (`'active'`, `'queued'`);
 * - `'replaced'`: the waiting job `id` now has this enqueue's payload (`'replace'`);
 * - `'debounced'`: the waiting job `id` now has this enqueue's payload and, while it is still
 *   delayed, its later run time (a debounce).
 */
export type EnqueueOutcome = 'stored' | 'dropped' | 'replaced' | 'debounced';

/** The outcome of storing `job`, from the backend's answer for it. */
export function enqueueOutcomeOf(job: NewJob, result: EnqueueResult): EnqueueOutcome {
  if (result.created) return 'stored';
  if (result.replaced !== true) return 'dropped';
  return job.dedupe?.mode === 'debounce' ? 'debounced' : 'replaced';
}
