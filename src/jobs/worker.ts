import { coerceError } from '../errors/coerce-error.js';
import { groupClaims, indexTasks, type RunnableTask } from './runnable-task.js';
import { groupOf } from './group-of.js';
import { WorkerClaimer } from './worker-claimer.js';
import { WorkerEmitter } from './worker-events.js';
import { WorkerJobs } from './worker-jobs.js';
import { positive, resolveWorkerOptions, type Worker, type WorkerOptions, type WorkerSettings } from './worker-options.js';
import { WorkerSlots } from './worker-slots.js';
import { sleep, startDepthSampling, startHeartbeat, startPruning } from './worker-timers.js';
import { startLiveness, type Liveness } from './worker-liveness.js';
import { startScheduler } from './worker-scheduler.js';

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
  const tasks = indexTasks(options.tasks);
  for (const schedule of options.schedules ?? []) {
    if (!tasks.has(schedule.task.name)) throw new TypeError(`createWorker: schedule "${schedule.name}" runs task "${schedule.task.name}", which is not in this worker's tasks`);
  }
  const settings = resolveWorkerOptions(options);
  // Checked here, not in start(): a start() that threw would leave its heartbeat and pruning timers running.
  if (options.scheduler !== false && options.schedulerPollMs !== undefined) positive('schedulerPollMs', options.schedulerPollMs);
  const runtime = new WorkerRuntime(options, tasks, settings);
  // A plain object of functions, not the class: `worker.stop` and friends work unbound.
  const worker: Worker = {
    id: runtime.id,
    get activeCount() {
      return runtime.activeCount;
    },
    start() {
      runtime.start();
      return worker;
    },
    stop(stopOptions) {
      return runtime.stop(stopOptions);
    },
    on: (event, listener) => runtime.events.on(event, listener),
  };
  return worker;
}

/**
 * A worker's parts and its lifecycle. The claimer decides when to claim and sends the claims; the
 * jobs take what the claims answer, run it within the slots and record how it ended; the heartbeat,
 * pruning and depth sampling timers run beside them from `start()` to the end of `stop()`.
 */
class WorkerRuntime {
  readonly id: string;
  readonly events: WorkerEmitter;
  readonly #options: WorkerOptions;
  readonly #settings: WorkerSettings;
  readonly #claimer: WorkerClaimer;
  readonly #jobs: WorkerJobs;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #stopTimers: (() => void) | undefined;
  #stopDepthSampling: (() => Promise<void>) | undefined;
  #stopScheduler: (() => Promise<void>) | undefined;
  readonly #taskNames: string[];
  readonly #tasks: ReadonlyMap<string, RunnableTask>;
  /** The liveness thread, started with the worker (undefined when the backend offers none, or it is off). */
  #liveness: Liveness | undefined;

  constructor(options: WorkerOptions, tasks: ReadonlyMap<string, RunnableTask>, settings: WorkerSettings) {
    const { id, logger, concurrency, batchSize } = settings;
    this.id = id;
    this.#options = options;
    this.#settings = settings;
    this.#taskNames = [...tasks.keys()];
    this.#tasks = tasks;
    this.events = new WorkerEmitter((error, event) => logger.error({ err: coerceError(error), event }, 'a worker event listener threw'));
    const slots = new WorkerSlots(tasks, concurrency, batchSize);
    const shared = { backend: options.backend, slots, concurrency, batchSize, reportError: this.#reportError };
    this.#claimer = new WorkerClaimer({
      ...shared,
      liveness: () => this.#liveness?.beating === true,
      ready: () => this.#liveness?.ready ?? Promise.resolve(),
      onReady: () => this.events.emit('worker:ready', { workerId: id }),
      workerId: id,
      taskNames: [...tasks.keys()],
      groups: groupClaims(tasks),
      leaseMs: settings.leaseMs,
      pollMs: settings.pollMs,
      onClaimed: (jobs) => this.#jobs.accept(jobs),
    });
    this.#jobs = new WorkerJobs({ ...shared, tasks, events: this.events, logger, debug: options.debug ?? false, attemptSpanParent: options.attemptSpanParent, claimer: this.#claimer });
  }

  readonly #groupOf = (name: string, payload: unknown): string | undefined => {
    const task = this.#tasks.get(name);
    return task === undefined ? undefined : groupOf(task, payload);
  };

  get activeCount(): number {
    return this.#jobs.active.size;
  }

  /** Starts the timers and the claim loop. Idempotent; does nothing once stopping. */
  start(): void {
    if (this.#loop !== undefined || this.#stopping) return;
    const { backend } = this.#options;
    const { id, leaseMs, heartbeatMs, logger, livenessIntervalMs, livenessTtlMs } = this.#settings;
    const livenessSpec = livenessIntervalMs > 0 ? backend.liveness?.() : undefined;
    if (livenessSpec !== undefined) this.#liveness = startLiveness({ spec: livenessSpec, workerId: id, intervalMs: livenessIntervalMs, ttlMs: livenessTtlMs, firstTtlMs: livenessTtlMs, onError: this.#reportError });
    const stopHeartbeat = startHeartbeat({ backend, active: this.#jobs.active, leaseMs, heartbeatMs, logger, onError: this.#reportError });
    const stopPruning = startPruning(backend, this.#options.pruneIntervalMs ?? 60_000, this.#reportError);
    this.#stopTimers = () => (stopHeartbeat(), stopPruning());
    this.#stopDepthSampling = startDepthSampling(backend, this.#reportError);
    if (this.#options.scheduler !== false) {
      this.#stopScheduler = startScheduler({ backend, definitions: this.#options.schedules, tasks: this.#taskNames, pollMs: this.#options.schedulerPollMs ?? 1000, now: this.#options.now ?? Date.now, onError: this.#reportError, groupOf: this.#groupOf, ready: Promise.all([this.#claimer.firstAnswer, this.#liveness?.ready]).then(() => undefined) });
    }
    this.#loop = this.#claimer.run();
  }

  stop(stopOptions: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#stop(stopOptions);
    return this.#stopped;
  }

  async #stop(stopOptions: { timeoutMs?: number }): Promise<void> {
    this.#stopping = true;
    // The claimer stops first: a job released below frees a slot, which must not send a claim.
    this.#claimer.stop();
    this.#jobs.stop();
    await this.#stopScheduler?.();
    await this.#loop;
    const aborted = await this.#windDown(stopOptions.timeoutMs ?? this.#options.shutdownTimeoutMs ?? 10_000);
    await this.#jobs.drainCompletions();
    this.#claimer.cancelRefill();
    this.#stopTimers?.();
    await this.#stopDepthSampling?.();
    // Last: the record goes once no job of this worker is left to take back.
    await this.#liveness?.stop();
    this.events.emit('worker:stopped', { workerId: this.id, released: this.#jobs.released + aborted });
  }

  /** Waits up to `timeoutMs` for the jobs in hand, then aborts (and so releases) those still running; returns how many it aborted. */
  async #windDown(timeoutMs: number): Promise<number> {
    const jobs = this.#jobs;
    const deadline = Date.now() + timeoutMs;
    while (jobs.active.size > 0 && Date.now() < deadline) {
      const timeout = new AbortController();
      await Promise.race([jobs.whenIdle(), sleep(deadline - Date.now(), timeout.signal)]);
      timeout.abort();
    }
    const aborted = jobs.abortRunning();
    await jobs.whenIdle();
    return aborted;
  }

  readonly #reportError = (error: Error): void => {
    this.#settings.logger.error({ err: error, workerId: this.id }, 'job backend failed');
    this.events.emit('worker:error', { error });
  };
}
