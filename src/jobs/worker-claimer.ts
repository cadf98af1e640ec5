import { coerceError } from '../errors/coerce-error.js';
import type { ClaimedJob, ClaimOptions, GroupClaim, JobBackend } from './backend.js';
import type { WorkerSlots } from './worker-slots.js';
import { sleep } from './worker-timers.js';

/** What a worker's claimer needs from its worker. */
export interface WorkerClaimerOptions {
  backend: JobBackend;
  workerId: string;
  /** Names of the tasks the worker runs. */
  taskNames: readonly string[];
  /** The grouped tasks' claim settings (fair queues), handed to every claim; undefined when no task is grouped. */
  groups?: Readonly<Record<string, GroupClaim>> | undefined;
  /** The worker's slot bookkeeping, shared with the jobs it holds: it says how much a claim may ask for. */
  slots: WorkerSlots;
  concurrency: number;
  batchSize: number;
  leaseMs: number;
  pollMs: number;
  reportError: (error: Error) => void;
  /** Takes the jobs a claim answered (perhaps none) in hand. Called once per answered claim. */
  onClaimed: (jobs: readonly ClaimedJob[]) => void;
  /** Whether the worker's liveness record is being kept (claims then say `liveness: true`). */
  liveness: () => boolean;
  /** Resolves when the first claim may go out (the liveness record exists, or there is none to wait for). */
  ready: () => Promise<void>;
  /** Told once, when the first claim is about to go out. */
  onReady?: () => void;
}

// Aborting without a reason builds a DOMException with a stack trace, on every freed slot: reuse one.
const wakeReason = new Error('wake up: a slot was freed or the worker is stopping');

/**
 * Decides when a worker claims and sends its claims. Batch claims go out from callbacks as slots
 * free and claims are answered, at most two in flight (more when tasks with their own concurrency
 * claim alone): the next claim is sent as soon as one is answered, so the backend answers one while
 * the worker runs the jobs of the other, instead of the two taking turns. The loop (`run`) does
 * only what cannot be done from callbacks: the blocking claim of an idle worker and the pause after
 * a failed claim.
 */
export class WorkerClaimer {
  readonly #backend: JobBackend;
  readonly #workerId: string;
  readonly #taskNames: readonly string[];
  readonly #groups: Readonly<Record<string, GroupClaim>> | undefined;
  readonly #slots: WorkerSlots;
  readonly #batchSize: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #reportError: (error: Error) => void;
  readonly #onClaimed: (jobs: readonly ClaimedJob[]) => void;
  readonly #liveness: () => boolean;
  readonly #ready: () => Promise<void>;
  readonly #onReady: () => void;
  // Claim when half a batch can be taken, not at every freed slot: a claim per job would cost a round
  // trip per job. A lone freed slot is refilled after a few ms at most (`#overdue`).
  readonly #refillAt: number;
  #wake = new AbortController();
  readonly #halt = new AbortController();
  #coalesce: ReturnType<typeof setTimeout> | undefined;
  #overdue = false;
  /** A claim answered fewer jobs than asked: wait for new ones (blocking claim) instead of asking again. */
  #dry = false;
  #claimsInFlight = 0;
  readonly #maxInFlight = 2;
  readonly #claiming = new Set<Promise<void>>();
  /** A blocking claim (the worker is idle) is in flight. */
  #idling = false;
  /** A claim failed: the loop waits `pollMs` before claiming again. */
  #paused = false;
  #stopping = false;
  #markAnswered = (): void => undefined;
  /** Resolves once a first claim has been answered (jobs, none, or an error) or the claimer stops. */
  readonly firstAnswer: Promise<void> = new Promise<void>((resolve) => (this.#markAnswered = resolve));

  constructor(options: WorkerClaimerOptions) {
    this.#backend = options.backend;
    this.#workerId = options.workerId;
    this.#taskNames = options.taskNames;
    this.#groups = options.groups;
    this.#slots = options.slots;
    this.#batchSize = options.batchSize;
    this.#leaseMs = options.leaseMs;
    this.#pollMs = options.pollMs;
    this.#reportError = options.reportError;
    this.#onClaimed = options.onClaimed;
    this.#liveness = options.liveness;
    this.#ready = options.ready;
    this.#onReady = options.onReady ?? (() => undefined);
    this.#refillAt = Math.max(1, Math.floor(Math.min(options.batchSize, options.concurrency) / 2));
  }

  /** Claims now when there is room for half a batch (or nothing in hand), else within 5 ms. */
  slotFreed(): void {
    if (this.#shouldClaim()) this.#pump();
    else this.#coalesce ??= setTimeout(this.#claimOverdue, 5);
  }

  /**
   * A grouped task's job ended in the backend: its group may have room again, which a claim answered
   * short before (the group was full) did not see. Claims again at once, instead of waiting as when dry.
   */
  groupSlotFreed(): void {
    this.#dry = false;
    this.#overdue = true;
    this.#pump();
  }

  /**
   * The worker's loop: the blocking claim of an idle worker and the pause after a failed claim;
   * otherwise it only re-checks every `pollMs`. Resolves once stopped and every claim is answered.
   */
  async run(): Promise<void> {
    // Claims wait for the liveness thread's first beat: a job claimed before it, whose synchronous
    // handler then blocked the main thread, would have its record renewed by nothing. Not for ever:
    // after 10 s (a thread that cannot boot) claims go ahead on the main thread's records.
    const waited = new AbortController();
    await Promise.race([this.#ready(), sleep(10_000, AbortSignal.any([this.#halt.signal, waited.signal]))]);
    waited.abort();
    if (!this.#stopping) this.#onReady();
    while (!this.#stopping) {
      // Made before looking at the state: whatever changes it from here on cuts the wait below short.
      this.#wake = new AbortController();
      try {
        if (this.#paused) {
          await sleep(this.#pollMs, this.#halt.signal);
          this.#paused = false;
        } else if (this.#dry && this.#claimsInFlight === 0) {
          this.#dry = false;
          await this.#idleWait();
        } else {
          this.#pump();
          await sleep(this.#pollMs, this.#wake.signal);
        }
      } catch (thrown) {
        this.#reportError(coerceError(thrown));
        this.#paused = true;
      }
    }
    // Claims in flight when stop() began may still hand jobs over: the worker releases them at once.
    while (this.#claiming.size > 0) await Promise.all(this.#claiming);
  }

  /** Claims no more and cuts the loop's wait short (`run` then resolves once the claims in flight are answered). */
  stop(): void {
    this.#stopping = true;
    this.#markAnswered();
    this.#halt.abort(wakeReason);
    this.#wakeNow();
  }

  /**
   * Cancels a pending refill, the last step of stopping. The handle stays set, so no refill is
   * armed again by a job that ends after the worker stopped.
   */
  cancelRefill(): void {
    clearTimeout(this.#coalesce);
  }

  readonly #claimOverdue = (): void => {
    this.#coalesce = undefined;
    this.#overdue = true;
    this.#pump();
  };

  #wakeNow(): void {
    clearTimeout(this.#coalesce);
    this.#coalesce = undefined;
    this.#wake.abort(wakeReason);
  }

  #shouldClaim(): boolean {
    const slots = this.#slots;
    const room = slots.claimable();
    return room > 0 && (this.#overdue || room >= this.#refillAt || slots.held + slots.reserved === 0);
  }

  /** Sends claims while there is room; wakes the loop when it has to act instead (idle, or waiting for new jobs). */
  #pump(): void {
    if (this.#stopping) return;
    if (this.#idling) {
      if (this.#shouldClaim()) this.#wakeNow(); // cut the blocking claim short: claim in batches again
      return;
    }
    if (this.#paused) return;
    if (this.#dry) {
      if (this.#claimsInFlight === 0) this.#wakeNow(); // the loop's turn: one blocking claim
      return;
    }
    while (!this.#dry && this.#claimsInFlight < this.#maxInFlight && this.#shouldClaim()) this.#claimRound();
  }

  /** Claims for every task with room. Tasks that could take a whole batch share one claim; tighter ones claim alone. */
  #claimRound(): void {
    const slots = this.#slots;
    this.#overdue = false;
    clearTimeout(this.#coalesce);
    this.#coalesce = undefined;
    const limit = Math.min(this.#batchSize, slots.claimRoom());
    const names = this.#taskNames;
    // A grouped task claims alone, as a tight one does: its groups take turns within its own claims, and
    // a backlog of the other tasks in queue order cannot crowd it out of a shared one.
    const alone = (name: string): boolean => this.#groups?.[name] !== undefined || slots.freeFor(name) < limit;
    const roomy = names.filter((name) => slots.freeFor(name) >= limit && !alone(name));
    const tight = names.filter((name) => slots.freeFor(name) > 0 && alone(name));
    // Nothing to ask for (should not happen: #shouldClaim() said there was room): wait as when dry, do not spin.
    if (roomy.length === 0 && tight.length === 0) this.#dry = true;
    const groups: [string[], number][] = [[roomy, limit], ...tight.map((name): [string[], number] => [[name], slots.freeFor(name)])];
    for (const [group, groupLimit] of groups) {
      const room = Math.min(groupLimit, slots.claimRoom());
      if (group.length > 0 && room > 0) this.#claimGroup(group, room);
    }
  }

  /** One claim, reserved while in flight so the next one asks only for what is left. */
  #claimGroup(group: readonly string[], room: number): void {
    const slots = this.#slots;
    slots.reserve(group, room);
    this.#claimsInFlight += 1;
    const sentAt = performance.now();
    const answered = (): void => {
      this.#claimsInFlight -= 1;
      slots.unreserve(group, room);
    };
    let sent: Promise<ClaimedJob[]>;
    try {
      sent = this.#backend.claim(this.#withGroups({ workerId: this.#workerId, tasks: group, limit: room, leaseMs: this.#leaseMs, waitMs: 0, liveness: this.#liveness() }));
    } catch (thrown) {
      sent = Promise.reject(coerceError(thrown));
    }
    const claim: Promise<void> = sent
      .then(
        (jobs) => {
          answered();
          this.#markAnswered();
          slots.claimAnswered(performance.now() - sentAt);
          if (jobs.length < room) this.#dry = true;
          this.#onClaimed(jobs);
        },
        (thrown: unknown) => {
          answered();
          this.#markAnswered();
          this.#reportError(coerceError(thrown));
          this.#paused = true;
          this.#wakeNow();
        },
      )
      .catch((thrown: unknown) => this.#reportError(coerceError(thrown)))
      .finally(() => this.#claiming.delete(claim));
    this.#claiming.add(claim);
  }

  /** Adds the grouped tasks' settings to a claim (left out when no task is grouped: a claim unchanged from before fair queues). */
  #withGroups(claim: ClaimOptions): ClaimOptions {
    if (this.#groups !== undefined) claim.groups = this.#groups;
    return claim;
  }

  /** Idle: one waiting claim for a single job of any task with room, cut short by a freed slot or stop(). */
  async #idleWait(): Promise<void> {
    const pollMs = this.#pollMs;
    const names = this.#taskNames.filter((name) => this.#slots.freeFor(name) > 0);
    const startedAt = Date.now();
    if (names.length === 0) return sleep(pollMs, this.#wake.signal);
    this.#idling = true;
    let jobs: ClaimedJob[];
    try {
      jobs = await this.#backend.claim(this.#withGroups({ workerId: this.#workerId, tasks: names, limit: 1, leaseMs: this.#leaseMs, waitMs: pollMs, signal: this.#wake.signal, liveness: this.#liveness() }));
    } finally {
      this.#idling = false;
      this.#markAnswered();
    }
    this.#onClaimed(jobs);
    // A backend that cannot wait answers at once: sleep the rest so an idle worker does not spin.
    if (jobs.length === 0 && !this.#wake.signal.aborted && Date.now() - startedAt < pollMs / 2) await sleep(pollMs - (Date.now() - startedAt), this.#wake.signal);
  }
}
