import type { RunnableTask } from './runnable-task.js';

/** Counts of one task's jobs in a worker. */
interface TaskLoad {
  /** The task's own concurrency (Infinity when it has none). */
  readonly limit: number;
  /** Handlers running. */
  running: number;
  /** Jobs claimed and not yet ended: waiting for a slot or running. */
  held: number;
  /** Jobs asked for by claims in flight that may name this task. */
  reserved: number;
}

/** Weight of the newest sample in the moving averages below. */
const claimWeight = 0.2;
const runWeight = 0.05;

/**
 * A worker's bookkeeping of slots: handlers running (capped by `concurrency` and each task's own
 * concurrency), jobs held (claimed, running or waiting for a slot), and jobs asked for by claims in
 * flight. It decides how many jobs the worker may claim ahead of its free slots.
 *
 * Claiming ahead is what lets the backend work while the worker runs handlers: without it the
 * worker claims, runs, and only then claims again, so on Redis the two take turns. The lookahead is
 * sized to the jobs expected to end while one claim is answered (`concurrency × claim latency ÷
 * handler duration`, at most one batch): a whole batch for no-op jobs, nothing for jobs that run
 * for seconds, whose leases would only sit idle in this worker while another worker could run them.
 */
export class WorkerSlots {
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #tasks = new Map<string, TaskLoad>();
  /** Handlers running, all tasks. */
  running = 0;
  /** Jobs held, all tasks. */
  held = 0;
  /** Jobs asked for by claims in flight, all tasks. */
  reserved = 0;
  /** Whether some task has no concurrency of its own (then the worker's room is all claimable). */
  readonly #anyUnlimited: boolean;
  #claimMs = 1;
  #runMs = Number.NaN;

  constructor(tasks: ReadonlyMap<string, RunnableTask>, concurrency: number, batchSize: number) {
    this.#concurrency = concurrency;
    this.#batchSize = batchSize;
    for (const [name, task] of tasks) this.#tasks.set(name, { limit: task.options.concurrency ?? Infinity, running: 0, held: 0, reserved: 0 });
    this.#anyUnlimited = [...this.#tasks.values()].some((load) => load.limit === Infinity);
  }

  /** Jobs this worker may take beyond its free slots (0 until a handler has run). */
  get lookahead(): number {
    if (Number.isNaN(this.#runMs)) return 0;
    return Math.min(this.#batchSize, Math.floor((this.#concurrency * this.#claimMs) / Math.max(this.#runMs, 0.05)));
  }

  /** How many more jobs, all tasks, a claim may ask for now. */
  claimRoom(): number {
    return this.#concurrency + this.lookahead - this.held - this.reserved;
  }

  /** How many more jobs a claim round could ask for now: the worker's room, or less when every task has a concurrency of its own. */
  claimable(): number {
    const room = this.claimRoom();
    if (this.#anyUnlimited || room <= 0) return room;
    let sum = 0;
    for (const name of this.#tasks.keys()) sum += Math.max(0, this.freeFor(name));
    return Math.min(room, sum);
  }

  /** How many more jobs of `name` a claim may ask for now (a task with its own concurrency claims ahead at most that many). */
  freeFor(name: string): number {
    const load = this.#tasks.get(name);
    if (load === undefined) return 0;
    const own = load.limit === Infinity ? Infinity : load.limit + Math.min(this.lookahead, load.limit) - load.held - load.reserved;
    return Math.min(own, this.claimRoom());
  }

  /** Whether a handler of `name` may start now. */
  canStart(name: string): boolean {
    const load = this.#tasks.get(name);
    return load !== undefined && this.running < this.#concurrency && load.running < load.limit;
  }

  reserve(names: readonly string[], count: number): void {
    this.reserved += count;
    for (const name of names) this.#load(name).reserved += count;
  }

  unreserve(names: readonly string[], count: number): void {
    this.reserved -= count;
    for (const name of names) this.#load(name).reserved -= count;
  }

  /** A claim of `ms` answered. */
  claimAnswered(ms: number): void {
    this.#claimMs += claimWeight * (ms - this.#claimMs);
  }

  claimed(name: string): void {
    this.held += 1;
    this.#load(name).held += 1;
  }

  started(name: string): void {
    this.running += 1;
    this.#load(name).running += 1;
  }

  /** A handler that ran for `ms` ended. */
  ended(name: string, ms: number): void {
    this.running -= 1;
    this.held -= 1;
    const load = this.#load(name);
    load.running -= 1;
    load.held -= 1;
    this.#runMs = Number.isNaN(this.#runMs) ? ms : this.#runMs + runWeight * (ms - this.#runMs);
  }

  /** A claimed job that never started (released, cancelled or lost while waiting for a slot). */
  dropped(name: string): void {
    this.held -= 1;
    this.#load(name).held -= 1;
  }

  #load(name: string): TaskLoad {
    const load = this.#tasks.get(name);
    if (load === undefined) throw new RangeError(`worker slots: unknown task "${name}"`);
    return load;
  }
}
