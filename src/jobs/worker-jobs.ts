import { coerceError } from '../errors/coerce-error.js';
import { ErrandError } from '../errors/errand-error.js';
import type { ClaimedJob, JobBackend } from './backend.js';
import { CompletionBatcher, type CompletionOutcome } from './completion-batcher.js';
import { runAttempt, settleAborted, type AttemptEnvironment } from './run-attempt.js';
import type { RunnableTask } from './runnable-task.js';
import { ActiveJob } from './worker-active-job.js';
import type { WorkerEmitter } from './worker-events.js';
import type { WorkerLogger } from './worker-logger.js';
import type { WorkerSlots } from './worker-slots.js';
import type { AttemptSpanParent } from '../tracing/attempt-span-parent.js';

/** Told whenever a slot may have been freed (the worker's claimer, which then decides whether to claim). */
export interface SlotListener {
  slotFreed(): void;
  /** A job of a grouped task ended in the backend: its group may take another job now (fair queues). */
  groupSlotFreed(): void;
}

/** What a worker's jobs need from their worker. */
export interface WorkerJobsOptions {
  backend: JobBackend;
  tasks: ReadonlyMap<string, RunnableTask>;
  /** The worker's slot bookkeeping, shared with its claimer. */
  slots: WorkerSlots;
  concurrency: number;
  batchSize: number;
  events: WorkerEmitter;
  logger: WorkerLogger;
  debug: boolean;
  /** @default 'link' */
  attemptSpanParent?: AttemptSpanParent | undefined;
  reportError: (error: Error) => void;
  claimer: SlotListener;
}

/** The reason a job is aborted with when its worker stops: its job is released to run again. */
const shuttingDown = (): ErrandError => new ErrandError('ERRAND_SHUTTING_DOWN', 'the worker is shutting down; the job was released to run again');

/**
 * The jobs in a worker's hands: claimed and waiting for a slot, running, or having their outcome
 * recorded. It takes claimed jobs in, starts them as their task's and the worker's slots allow
 * (oldest first), keeps the slot counts, settles successes through the completion batcher (failures,
 * retries, cancellations and releases are recorded by `runAttempt`) and gives jobs back when the
 * worker stops.
 *
 * A slot is free once the handler's outcome is decided, not once the backend stored it: the
 * completion goes out while the next jobs run (and the next claim is answered).
 */
export class WorkerJobs {
  /** Every job in this worker's hands, by token (the heartbeat renews all their leases). */
  readonly active = new Map<string, ActiveJob>();
  /** Claimed jobs waiting for a free slot, oldest first. Their leases are renewed like running jobs'. */
  readonly #waiting: ActiveJob[] = [];
  readonly #tasks: ReadonlyMap<string, RunnableTask>;
  readonly #slots: WorkerSlots;
  readonly #concurrency: number;
  readonly #claimer: SlotListener;
  readonly #events: WorkerEmitter;
  readonly #logger: WorkerLogger;
  readonly #reportError: (error: Error) => void;
  readonly #env: AttemptEnvironment;
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;
  #released = 0;
  /** #startWaiting() is running: a handler ending inside it must not start jobs or claim itself. */
  #starting = false;
  #stopping = false;
  readonly #pastDeadline = new AbortController();

  constructor(options: WorkerJobsOptions) {
    this.#tasks = options.tasks;
    this.#slots = options.slots;
    this.#concurrency = options.concurrency;
    this.#claimer = options.claimer;
    this.#events = options.events;
    this.#logger = options.logger;
    this.#reportError = options.reportError;
    this.#env = {
      backend: options.backend,
      events: options.events,
      logger: options.logger,
      completions: new CompletionBatcher({ backend: options.backend, maxBatch: options.batchSize, onError: options.reportError, onSettled: this.#completed, logger: options.logger, pastDeadline: this.#pastDeadline.signal }),
      debug: options.debug,
      attemptSpanParent: options.attemptSpanParent ?? 'link',
      now: Date.now,
      reportError: options.reportError,
      handlerDone: this.#handlerDone,
      finished: this.#finished,
      pastDeadline: this.#pastDeadline.signal,
    };
  }

  /** Jobs waiting for a slot given back because the worker stopped. */
  get released(): number {
    return this.#released;
  }

  /** Takes the claimed jobs in hand, starts those that have a slot, then claims again and sends their completions. */
  accept(jobs: readonly ClaimedJob[]): void {
    for (const job of jobs) {
      const task = this.#tasks.get(job.task);
      if (task === undefined) continue; // claim filters by task name; a backend ignoring that would be a bug
      const entry = new ActiveJob(job, task, 0);
      entry.onAbort = this.#abortWaiting;
      this.active.set(job.token, entry);
      this.#slots.claimed(job.task);
      this.#waiting.push(entry);
    }
    if (this.#stopping) return this.#releaseWaiting();
    this.#startWaiting();
    // The next claim goes out first: it is what this worker waits for; the completions only settle.
    this.#claimer.slotFreed();
    this.#env.completions.flush();
  }

  /** Starts no more jobs and gives back every job still waiting for a slot (the worker is stopping). */
  stop(): void {
    this.#stopping = true;
    this.#releaseWaiting();
  }

  /**
   * Aborts every running handler (reason ERRAND_SHUTTING_DOWN: their jobs are released); returns how many.
   * The stop deadline has passed: a settlement that fails from now on is not tried again.
   */
  abortRunning(): number {
    this.#pastDeadline.abort();
    const running = [...this.active.values()].filter((entry) => entry.phase === 'running');
    for (const entry of running) entry.abort(shuttingDown());
    return running.length;
  }

  /** Resolves when no job is in this worker's hands. */
  whenIdle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    if (this.#idle === undefined) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  /** Resolves when every completion handed to the backend has been answered. */
  drainCompletions(): Promise<void> {
    return this.#env.completions.drain();
  }

  /** Starts waiting jobs while slots are free (their task's and the worker's), oldest first; drops those settled meanwhile. */
  #startWaiting(): void {
    if (this.#stopping) return;
    const waiting = this.#waiting;
    const slots = this.#slots;
    this.#starting = true;
    let kept = 0;
    let index = 0;
    try {
      for (; index < waiting.length && slots.running < this.#concurrency; index += 1) {
        const entry = waiting[index];
        if (entry.phase !== 'claimed') continue;
        if (slots.canStart(entry.job.task)) this.#launch(entry);
        else waiting[kept++] = entry; // its task is at its own concurrency: others may start
      }
    } finally {
      // One shift at the end, not one per job: a batch can be hundreds of jobs.
      if (index > kept) {
        waiting.copyWithin(kept, index);
        waiting.length -= index - kept;
      }
      this.#starting = false;
    }
  }

  #launch(entry: ActiveJob): void {
    entry.onAbort = undefined;
    entry.phase = 'running';
    entry.startedAt = this.#env.now();
    this.#slots.started(entry.job.task);
    try {
      runAttempt(this.#env, entry);
    } catch (thrown) {
      // runAttempt settles every outcome itself; this is only a guard against a bug leaking a slot.
      this.#reportError(coerceError(thrown));
      this.#finished(entry);
    }
  }

  #releaseWaiting(): void {
    for (const entry of this.#waiting.splice(0)) {
      if (entry.phase !== 'claimed') continue;
      this.#released += 1;
      entry.abort(shuttingDown());
    }
  }

  /** Settles a waiting job aborted before it started (cancelled, lease lost, or released at stop). */
  readonly #abortWaiting = (_reason: Error, entry: ActiveJob): void => settleAborted(this.#env, entry);

  /** The attempt's outcome is decided (before the backend records it): its slot is free. */
  readonly #handlerDone = (entry: ActiveJob): void => {
    if (entry.phase === 'ending') return;
    // A waiting job that ends here stays in `#waiting` until #startWaiting() passes it.
    if (entry.phase === 'running') this.#slots.ended(entry.job.task, this.#env.now() - entry.startedAt);
    else this.#slots.dropped(entry.job.task);
    entry.phase = 'ending';
    // A synchronous handler ends inside #startWaiting(): its loop goes on, and its caller claims once after.
    if (this.#starting) return;
    this.#startWaiting();
    this.#claimer.slotFreed();
  };

  /** The backend recorded the attempt's end (or failed to): the job leaves this worker's hands. */
  readonly #finished = (entry: ActiveJob): void => {
    this.#handlerDone(entry);
    // Keyed by token: after a lease lapses this worker may claim the same job again while the old attempt winds down.
    if (!this.active.delete(entry.lease.token)) return;
    // The group's running count dropped only now, in the backend: a claim sent when the slot freed may have found the group full.
    if (this.#tasks.get(entry.job.task)?.options.group !== undefined) this.#claimer.groupSlotFreed();
    const idle = this.#idle;
    if (this.active.size === 0 && idle !== undefined) {
      idle.resolve();
      this.#idle = undefined;
    }
  };

  /** A batched completion was answered. */
  readonly #completed = (entry: ActiveJob, outcome: CompletionOutcome): void => {
    const { job } = entry;
    if (outcome === 'stored') {
      if (this.#events.has('job:succeeded')) this.#events.emit('job:succeeded', { job, result: entry.result, durationMs: this.#env.now() - entry.startedAt });
    } else if (outcome === 'lease-lost') this.#logger.warn({ jobId: job.jobId, attempt: job.attempt }, 'lease lost: the job was claimed again meanwhile; this completion was rejected');
    this.#finished(entry);
  };
}
