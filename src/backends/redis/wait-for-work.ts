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

/**
 * Waits for BullMQ's "marker" of any of several task queues: BullMQ adds one whenever a job becomes
 * ready (score 0) or a delayed job is scheduled (score = its due time). One BZPOPMIN watches every
 * queue a claim asked for, on a connection of its own because the command blocks it.
 */
export class WorkWaiter {
  private blocking: Redis | undefined;
  private busy = false;

  constructor(private readonly client: Redis) {}

  /** Returns when a marker arrived, a delayed job fell due, `ms` passed or `signal` aborted. */
  async wait(markerKeys: readonly string[], ms: number, signal?: AbortSignal): Promise<void> {
    if (this.busy || markerKeys.length === 0) {
      // A concurrent claim already blocks the connection: poll instead of queueing behind it.
      await sleep(Math.min(ms, 50), signal);
      return;
    }
    this.busy = true;
    const started = Date.now();
    try {
      this.blocking ??= this.openBlocking();
      const blockMs = Math.min(ms, maxBlockMs);
      let failed = false;
      const popped = this.blocking.bzpopmin(...markerKeys, Math.max(blockMs, 10) / 1000).catch(() => {
        failed = true;
        return null;
      });
      const marker = await abortable(popped, signal);
      // Disconnected (Redis restarting): the pop fails at once; pause instead of spinning the claim loop.
      if (failed) await sleep(Math.min(blockMs, ms - (Date.now() - started)), signal);
      const dueAt = marker === null || marker === undefined ? 0 : Number(marker[2]);
      // Until Date.now() reaches it: a timer may fire a millisecond early by Date.now(), and BullMQ
      // promotes a delayed job only once the claim's timestamp reaches its due time (a claim 1 ms
      // early found nothing and waited for the next marker: 16 to 120 ms late per tick).
      for (let untilDue = dueAt - Date.now(), left = ms - (Date.now() - started); untilDue > 0 && left > 0 && signal?.aborted !== true; untilDue = dueAt - Date.now(), left = ms - (Date.now() - started)) {
        await sleep(Math.min(untilDue, left), signal);
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
  }
}

async function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (signal === undefined) return promise;
  if (signal.aborted) return undefined;
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
