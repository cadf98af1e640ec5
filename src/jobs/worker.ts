import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { coerceError } from '../errors/coerce-error.js';
import { ErrandError } from '../errors/errand-error.js';
import type { ClaimedJob } from './backend.js';
import { CompletionBatcher, type CompletionOutcome } from './completion-batcher.js';
import { runAttempt, settleAborted, type AttemptEnvironment } from './run-attempt.js';
import { ActiveJob } from './worker-active-job.js';
import { indexTasks } from './runnable-task.js';
import { WorkerSlots } from './worker-slots.js';
import { WorkerEmitter } from './worker-events.js';
import { consoleWorkerLogger } from './worker-logger.js';
import { startHeartbeat, startPruning } from './worker-timers.js';
import { positive, type Worker, type WorkerOptions } from './worker-options.js';

export type { Worker, WorkerOptions } from './worker-options.js';

/**
 * Creates a worker that claims jobs in batches, runs their handlers with per-task concurrency,
 * renews leases by heartbeat, retries with backoff and shuts down gracefully.
 *
 * @example
 * const worker = createWorker({ backend, tasks: [sendWelcome, resizeImage], concurrency: 20 }).start()
 * worker.on('job:dead', ({ job, problem }) => alert(job.jobId, problem.detail))
 * process.once('SIGTERM', () => void worker.stop({ timeoutMs: 20_000 }))
 */
export function createWorker(options: WorkerOptions): Worker {
  const { backend } = options;
  const tasks = indexTasks(options.tasks);
  const concurrency = positive('concurrency', options.concurrency ?? 10);
  const batchSize = positive('batchSize', options.batchSize ?? concurrency);
  const leaseMs = positive('leaseMs', options.leaseMs ?? 30_000);
  const heartbeatMs = positive('heartbeatMs', options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)));
  if (heartbeatMs >= leaseMs) throw new RangeError(`createWorker: heartbeatMs (${heartbeatMs}) must be below leaseMs (${leaseMs}) or leases lapse between heartbeats`);
  const pollMs = positive('pollMs', options.pollMs ?? 1000);
  const logger = options.logger ?? consoleWorkerLogger;
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const events = new WorkerEmitter((error, event) => logger.error({ err: coerceError(error), event }, 'a worker event listener threw'));
  const reportError = (error: Error): void => {
    logger.error({ err: error, workerId: id }, 'job backend failed');
    events.emit('worker:error', { error });
  };
  /** Every job in this worker's hands (waiting for a slot, running, or being recorded), by token. */
  const active = new Map<string, ActiveJob>();
  /** Claimed jobs waiting for a free slot, oldest first. Their leases are renewed like running jobs'. */
  const waiting: ActiveJob[] = [];
  const slots = new WorkerSlots(tasks, concurrency, batchSize);
  let idle: { promise: Promise<void>; resolve: () => void } | undefined;
  let releasedWaiting = 0;
  // A slot is free once the handler's outcome is decided, not once the backend stored it: the
  // completion goes out while the next jobs run (and the next claim is answered).
  const handlerDone = (entry: ActiveJob): void => {
    if (entry.phase === 'ending') return;
    // A waiting job that ends here stays in `waiting` until startWaiting() passes it.
    if (entry.phase === 'running') slots.ended(entry.job.task, env.now() - entry.startedAt);
    else slots.dropped(entry.job.task);
    entry.phase = 'ending';
    // A synchronous handler ends inside startWaiting(): its loop goes on, and its caller claims once after.
    if (starting) return;
    startWaiting();
    slotFreed();
  };
  const finished = (entry: ActiveJob): void => {
    handlerDone(entry);
    // Keyed by token: after a lease lapses this worker may claim the same job again while the old attempt winds down.
    if (!active.delete(entry.lease.token)) return;
    if (active.size === 0 && idle !== undefined) {
      idle.resolve();
      idle = undefined;
    }
  };
  const completed = (entry: ActiveJob, outcome: CompletionOutcome): void => {
    const { job } = entry;
    if (outcome === 'stored') {
      if (events.has('job:succeeded')) events.emit('job:succeeded', { job, result: entry.result, durationMs: env.now() - entry.startedAt });
    } else if (outcome === 'lease-lost') logger.warn({ jobId: job.jobId, attempt: job.attempt }, 'lease lost: the job was claimed again meanwhile; this completion was rejected');
    finished(entry);
  };
  const env: AttemptEnvironment = {
    backend,
    events,
    logger,
    completions: new CompletionBatcher(backend, batchSize, reportError, completed),
    debug: options.debug ?? false,
    now: Date.now,
    reportError,
    handlerDone,
    finished,
  };
  /** Settles a waiting job aborted before it started (cancelled, lease lost, or released at stop). */
  const abortWaiting = (_reason: Error, entry: ActiveJob): void => settleAborted(env, entry);
  let wake = new AbortController();
  const halt = new AbortController();
  let coalesce: ReturnType<typeof setTimeout> | undefined;
  // Claim when half a batch can be taken, not at every freed slot: a claim per job would cost a round
  // trip per job. A lone freed slot is refilled after a few ms at most (`overdue`).
  const refillAt = Math.max(1, Math.floor(Math.min(batchSize, concurrency) / 2));
  let overdue = false;
  /** A claim answered fewer jobs than asked: wait for new ones (blocking claim) instead of asking again. */
  let dry = false;
  /**
   * Claims in flight, at most two (more when tasks with their own concurrency claim alone): the next
   * claim is sent as soon as one is answered, so the backend answers one while this worker runs the
   * jobs of the other, instead of the two taking turns.
   */
  let claimsInFlight = 0;
  const maxInFlight = 2;
  const claiming = new Set<Promise<void>>();
  /** A blocking claim (the worker is idle) is in flight. */
  let idling = false;
  /** A claim failed: the loop waits `pollMs` before claiming again. */
  let paused = false;
  let starting = false;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let stopTimers: (() => void) | undefined;

  /** Takes the claimed jobs in hand, starts those that have a slot, then claims again and sends their completions. */
  function accept(jobs: readonly ClaimedJob[]): void {
    for (const job of jobs) {
      const task = tasks.get(job.task);
      if (task === undefined) continue; // claim filters by task name; a backend ignoring that would be a bug
      const entry = new ActiveJob(job, task, 0);
      entry.onAbort = abortWaiting;
      active.set(job.token, entry);
      slots.claimed(job.task);
      waiting.push(entry);
    }
    if (stopping) return releaseWaiting();
    startWaiting();
    // The next claim goes out first: it is what this worker waits for; the completions only settle.
    slotFreed();
    env.completions.flush();
  }

  /** Starts waiting jobs while slots are free (their task's and the worker's), oldest first; drops those settled meanwhile. */
  function startWaiting(): void {
    if (stopping) return;
    starting = true;
    let kept = 0;
    let index = 0;
    try {
      for (; index < waiting.length && slots.running < concurrency; index += 1) {
        const entry = waiting[index];
        if (entry.phase !== 'claimed') continue;
        if (slots.canStart(entry.job.task)) launch(entry);
        else waiting[kept++] = entry; // its task is at its own concurrency: others may start
      }
    } finally {
      // One shift at the end, not one per job: a batch can be hundreds of jobs.
      if (index > kept) {
        waiting.copyWithin(kept, index);
        waiting.length -= index - kept;
      }
      starting = false;
    }
  }

  function launch(entry: ActiveJob): void {
    entry.onAbort = undefined;
    entry.phase = 'running';
    entry.startedAt = env.now();
    slots.started(entry.job.task);
    try {
      runAttempt(env, entry);
    } catch (thrown) {
      // runAttempt settles every outcome itself; this is only a guard against a bug leaking a slot.
      reportError(coerceError(thrown));
      finished(entry);
    }
  }

  /** Gives back every job still waiting for a slot (the worker is stopping). */
  function releaseWaiting(): void {
    for (const entry of waiting.splice(0)) {
      if (entry.phase !== 'claimed') continue;
      releasedWaiting += 1;
      entry.abort(new ErrandError('ERRAND_SHUTTING_DOWN', 'the worker is shutting down; the job was released to run again'));
    }
  }

  /** Resolves when no job is in this worker's hands. */
  function whenIdle(): Promise<void> {
    if (active.size === 0) return Promise.resolve();
    if (idle === undefined) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      idle = { promise, resolve };
    }
    return idle.promise;
  }

  function wakeNow(): void {
    clearTimeout(coalesce);
    coalesce = undefined;
    wake.abort(wakeReason);
  }

  function shouldClaim(): boolean {
    const room = slots.claimable();
    return room > 0 && (overdue || room >= refillAt || slots.held + slots.reserved === 0);
  }

  /** Claims now when there is room for half a batch (or nothing in hand), else within 5 ms. */
  function slotFreed(): void {
    if (shouldClaim()) pump();
    else
      coalesce ??= setTimeout(() => {
        coalesce = undefined;
        overdue = true;
        pump();
      }, 5);
  }

  /** Sends claims while there is room; wakes the loop when it has to act instead (idle, or waiting for new jobs). */
  function pump(): void {
    if (stopping) return;
    if (idling) {
      if (shouldClaim()) wakeNow(); // cut the blocking claim short: claim in batches again
      return;
    }
    if (paused) return;
    if (dry) {
      if (claimsInFlight === 0) wakeNow(); // the loop's turn: one blocking claim
      return;
    }
    while (!dry && claimsInFlight < maxInFlight && shouldClaim()) claimRound();
  }

  /** Claims for every task with room. Tasks that could take a whole batch share one claim; tighter ones claim alone. */
  function claimRound(): void {
    overdue = false;
    clearTimeout(coalesce);
    coalesce = undefined;
    const limit = Math.min(batchSize, slots.claimRoom());
    const names = [...tasks.keys()];
    const roomy = names.filter((name) => slots.freeFor(name) >= limit);
    const tight = names.filter((name) => slots.freeFor(name) > 0 && slots.freeFor(name) < limit);
    // Nothing to ask for (should not happen: shouldClaim() said there was room): wait as when dry, do not spin.
    if (roomy.length === 0 && tight.length === 0) dry = true;
    const groups: [string[], number][] = [[roomy, limit], ...tight.map((name): [string[], number] => [[name], slots.freeFor(name)])];
    for (const [group, groupLimit] of groups) {
      const room = Math.min(groupLimit, slots.claimRoom());
      if (group.length > 0 && room > 0) claimGroup(group, room);
    }
  }

  /** One claim, reserved while in flight so the next one asks only for what is left. */
  function claimGroup(group: readonly string[], room: number): void {
    slots.reserve(group, room);
    claimsInFlight += 1;
    const sentAt = performance.now();
    const answered = (): void => {
      claimsInFlight -= 1;
      slots.unreserve(group, room);
    };
    let sent: Promise<ClaimedJob[]>;
    try {
      sent = backend.claim({ workerId: id, tasks: group, limit: room, leaseMs, waitMs: 0 });
    } catch (thrown) {
      sent = Promise.reject(coerceError(thrown));
    }
    const claim: Promise<void> = sent
      .then(
        (jobs) => {
          answered();
          slots.claimAnswered(performance.now() - sentAt);
          if (jobs.length < room) dry = true;
          accept(jobs);
        },
        (thrown: unknown) => {
          answered();
          reportError(coerceError(thrown));
          paused = true;
          wakeNow();
        },
      )
      .catch((thrown: unknown) => reportError(coerceError(thrown)))
      .finally(() => claiming.delete(claim));
    claiming.add(claim);
  }

  /** Idle: one waiting claim for a single job of any task with room, cut short by a freed slot or stop(). */
  async function idleWait(): Promise<void> {
    const names = [...tasks.keys()].filter((name) => slots.freeFor(name) > 0);
    const startedAt = Date.now();
    if (names.length === 0) return sleep(pollMs, wake.signal);
    idling = true;
    let jobs: ClaimedJob[];
    try {
      jobs = await backend.claim({ workerId: id, tasks: names, limit: 1, leaseMs, waitMs: pollMs, signal: wake.signal });
    } finally {
      idling = false;
    }
    accept(jobs);
    // A backend that cannot wait answers at once: sleep the rest so an idle worker does not spin.
    if (jobs.length === 0 && !wake.signal.aborted && Date.now() - startedAt < pollMs / 2) await sleep(pollMs - (Date.now() - startedAt), wake.signal);
  }

  /**
   * The worker's loop does what cannot be done from callbacks: the blocking claim of an idle worker
   * and the pause after a failed claim. Batch claims are sent by pump() as slots free and claims
   * are answered; the loop only re-checks every `pollMs`.
   */
  async function run(): Promise<void> {
    while (!stopping) {
      // Made before looking at the state: whatever changes it from here on cuts the wait below short.
      wake = new AbortController();
      try {
        if (paused) {
          await sleep(pollMs, halt.signal);
          paused = false;
        } else if (dry && claimsInFlight === 0) {
          dry = false;
          await idleWait();
        } else {
          pump();
          await sleep(pollMs, wake.signal);
        }
      } catch (thrown) {
        reportError(coerceError(thrown));
        paused = true;
      }
    }
    // Claims in flight when stop() began may still hand jobs over: accept() releases them at once.
    while (claiming.size > 0) await Promise.all(claiming);
  }

  async function stop(stopOptions: { timeoutMs?: number } = {}): Promise<void> {
    stopping = true;
    halt.abort(wakeReason);
    wakeNow();
    releaseWaiting();
    await loop;
    const deadline = Date.now() + (stopOptions.timeoutMs ?? options.shutdownTimeoutMs ?? 10_000);
    while (active.size > 0 && Date.now() < deadline) {
      const timeout = new AbortController();
      await Promise.race([whenIdle(), sleep(deadline - Date.now(), timeout.signal)]);
      timeout.abort();
    }
    const running = [...active.values()].filter((entry) => entry.phase === 'running');
    for (const entry of running) entry.abort(new ErrandError('ERRAND_SHUTTING_DOWN', 'the worker is shutting down; the job was released to run again'));
    await whenIdle();
    await env.completions.drain();
    clearTimeout(coalesce);
    stopTimers?.();
    events.emit('worker:stopped', { workerId: id, released: releasedWaiting + running.length });
  }

  const worker: Worker = {
    id,
    get activeCount() {
      return active.size;
    },
    start() {
      if (loop !== undefined || stopping) return worker;
      const stopHeartbeat = startHeartbeat({ backend, active, leaseMs, heartbeatMs, logger, onError: reportError });
      const stopPruning = startPruning(backend, options.pruneIntervalMs ?? 60_000, reportError);
      stopTimers = () => (stopHeartbeat(), stopPruning());
      loop = run();
      return worker;
    },
    stop(stopOptions) {
      stopped ??= stop(stopOptions);
      return stopped;
    },
    on: (event, listener) => events.on(event, listener),
  };
  return worker;
}

// Aborting without a reason builds a DOMException with a stack trace, on every freed slot: reuse one.
const wakeReason = new Error('wake up: a slot was freed or the worker is stopping');

/** Resolves after `ms`, or at once when `signal` aborts. Leaves no timer behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
