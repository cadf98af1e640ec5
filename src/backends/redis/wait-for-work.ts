import type { Redis } from 'ioredis';

/**
 * Longest single block. It bounds how late a waiter notices a marker another waiter consumed, and
 * how late an idle claim runs its lapsed-lease scan (a lapsed lease adds no marker).
 */
const maxBlockMs = 250;

/** Resolves after `ms`, or at once when `signal` aborts; never leaves a timer behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted === true) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

type Marker = [key: string, member: string, score: string] | null;

/** A BZPOPMIN sent on the blocking connection: its marker, or null (timed out, or failed). */
interface Pop {
  /** The marker keys it watches, joined. */
  keys: string;
  settled: Promise<void>;
  marker: Marker;
  failed: boolean;
  done: boolean;
}

/**
 * Waits for BullMQ's "marker" of any of several task queues: BullMQ adds one whenever a job becomes
 * ready (score 0) or a delayed job is scheduled (score = the earliest delayed job's due time). One
 * BZPOPMIN watches every queue a claim asked for, on a connection of its own because the command
 * blocks it.
 *
 * A marker does not stand for every delayed job: its score is the earliest one's due time, and one
 * pop takes it. When a job is added while an earlier one, already due, waits unclaimed, its marker
 * carries the earlier time; the claim it wakes takes the earlier job and no marker is left for the
 * new one. So a wait also looks at the earliest delayed job itself and returns when it falls due
 * (a schedule whose ticks are added 50 ms ahead ran every tick 50 ms late, woken only by the next
 * tick's marker).
 */
export class WorkWaiter {
  private blocking: Redis | undefined;
  /** The BZPOPMIN in flight, kept across waits: a wait cut short leaves it to the next wait, never a second pop queued behind it. */
  private pop: Pop | undefined;
  private busy = false;

  constructor(private readonly client: Redis) {}

  /**
   * Returns when a marker arrived, a delayed job fell due, `ms` passed or `signal` aborted. `queueKeys`
   * are BullMQ's queue key prefixes (`<prefix>:<queue>:`); `claimedAt`, when the claim that found
   * nothing began (a delayed job due by then that it did not take is not waited for again).
   */
  async wait(queueKeys: readonly string[], ms: number, claimedAt: number, signal?: AbortSignal): Promise<void> {
    const started = Date.now();
    if (queueKeys.length === 0) {
      await sleep(ms, signal);
      return;
    }
    const nextDue = await this.earliestDelayed(queueKeys);
    const due = nextDue > claimedAt ? nextDue : Number.POSITIVE_INFINITY;
    const left = (): number => Math.min(ms - (Date.now() - started), due - Date.now());
    if (left() <= 0) return;
    const markerKeys = queueKeys.map((key) => `${key}marker`);
    if (this.busy || (this.pop !== undefined && this.pop.keys !== markerKeys.join(' '))) {
      // A concurrent claim already blocks the connection (or its pop, cut short, watches other
      // queues): poll instead of queueing behind it.
      await sleep(Math.min(left(), 50), signal);
      return;
    }
    this.busy = true;
    try {
      this.blocking ??= this.openBlocking();
      if (!(await connected(this.blocking, Math.min(left(), maxBlockMs), signal))) return;
      const pop = (this.pop ??= startPop(this.blocking, markerKeys));
      const popped = new AbortController();
      void pop.settled.then(() => popped.abort());
      await sleep(left(), signal === undefined ? popped.signal : AbortSignal.any([signal, popped.signal]));
      if (!pop.done) return; // due, out of time or aborted: the pop stays in flight for the next wait
      this.pop = undefined;
      // Disconnected (Redis restarting): the pop fails at once; pause instead of spinning the claim loop.
      if (pop.failed) await sleep(Math.min(maxBlockMs, left()), signal);
      const dueAt = pop.marker === null ? 0 : Number(pop.marker[2]);
      // Until Date.now() reaches it: a timer may fire a millisecond early by Date.now(), and BullMQ
      // promotes a delayed job only once the claim's timestamp reaches its due time (a claim 1 ms
      // early found nothing and waited for the next marker: 16 to 120 ms late per tick).
      for (let untilDue = dueAt - Date.now(); untilDue > 0 && left() > 0 && signal?.aborted !== true; untilDue = dueAt - Date.now()) {
        await sleep(Math.min(untilDue, left()), signal);
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * Opens the blocking connection ahead of the first wait (a worker's first claims do not wait): a
   * first wait that had to connect first took ~250 ms on a loaded machine, and a schedule's first
   * ticks, due meanwhile, waited for it.
   */
  open(): void {
    this.blocking ??= this.openBlocking();
  }

  /** The due time (ms) of the earliest delayed job of these queues, +Infinity when none (BullMQ scores them due × 4096 + a counter). */
  private async earliestDelayed(queueKeys: readonly string[]): Promise<number> {
    const pipeline = this.client.pipeline();
    for (const key of queueKeys) pipeline.zrange(`${key}delayed`, 0, 0, 'WITHSCORES');
    const answers = (await pipeline.exec().catch(() => null)) ?? [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const [error, first] of answers) {
      const score = error === null && Array.isArray(first) ? Number(first[1]) : Number.NaN;
      if (Number.isFinite(score)) earliest = Math.min(earliest, Math.floor(score / 4096));
    }
    return earliest;
  }

  private openBlocking(): Redis {
    const blocking = this.client.duplicate();
    // Its failures show up as an empty wait; the claim loop then polls again.
    blocking.on('error', () => undefined);
    return blocking;
  }

  close(): void {
    // disconnect() (not quit) ends a pending BZPOPMIN at once; its promise settles through the catch.
    this.blocking?.disconnect();
    this.blocking = undefined;
    this.pop = undefined;
  }
}

/**
 * Whether `connection` is ready, waiting up to `ms` for it. The client has no offline queue, so a
 * BZPOPMIN sent while it still connects fails at once: the first wait of a worker, a few ms after
 * the connection was opened, failed and paused 250 ms, and a schedule's first two ticks waited for it.
 */
async function connected(connection: Redis, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (isReady(connection)) return true;
  const pause = new AbortController();
  const onReady = (): void => pause.abort();
  connection.once('ready', onReady);
  await sleep(ms, signal === undefined ? pause.signal : AbortSignal.any([signal, pause.signal]));
  connection.off('ready', onReady);
  return isReady(connection);
}

function startPop(blocking: Redis, markerKeys: readonly string[]): Pop {
  const pop: Pop = { keys: markerKeys.join(' '), settled: Promise.resolve(), marker: null, failed: false, done: false };
  pop.settled = blocking.bzpopmin(...markerKeys, maxBlockMs / 1000).then(
    (marker) => {
      pop.marker = marker;
      pop.done = true;
    },
    () => {
      pop.failed = true;
      pop.done = true;
    },
  );
  return pop;
}

function isReady(connection: Redis): boolean {
  return connection.status === 'ready';
}
