import type { ProblemDetails } from '../errors/problem-details.js';
import type { ClaimedJob } from './backend.js';
import { TypedEmitter } from './typed-emitter.js';

/** Events of a worker, named `noun:verb`, with what each listener receives. */
export interface WorkerEvents {
  /** An attempt started. */
  'job:started': { job: ClaimedJob };
  /** The handler returned and the backend stored the result. */
  'job:succeeded': { job: ClaimedJob; result: unknown; durationMs: number };
  /** An attempt failed (thrown error, timeout, invalid payload); `willRetry` tells what comes next. */
  'job:failed': { job: ClaimedJob; error: Error; problem: ProblemDetails; willRetry: boolean };
  /** The job will run again at `retryAt`. */
  'job:retrying': { job: ClaimedJob; error: Error; retryAt: number };
  /** No attempts left, or the error was unrecoverable: the job is dead. */
  'job:dead': { job: ClaimedJob; error: Error; problem: ProblemDetails };
  /** The job was cancelled while running; its handler's signal was aborted. */
  'job:cancelled': { job: ClaimedJob };
  /** The job was over its task's rate limit: it went back to the queue until `retryAt`, its attempt not counted. */
  'job:rate-limited': { job: ClaimedJob; retryAt: number };
  /**
   * The worker sends its first claim now: its liveness thread has beaten (or 10 s passed without).
   * Until then a started worker takes no job; a process supervisor can wait for this before
   * stopping the worker it replaces.
   */
  'worker:ready': { workerId: string };
  /** The worker stopped; `released` jobs were handed back unfinished at the deadline. */
  'worker:stopped': { workerId: string; released: number };
  /** The backend failed outside any one job (claim, heartbeat, batched completion, prune). The worker keeps going. */
  'worker:error': { error: Error };
}

/** A listener of event `E`. */
export type WorkerListener<E extends keyof WorkerEvents> = (event: WorkerEvents[E]) => void;

/** The worker's emitter: a throwing listener is reported, never allowed to break the worker. */
export class WorkerEmitter extends TypedEmitter<WorkerEvents> {}
