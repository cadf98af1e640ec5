import type { Redis } from 'ioredis';
import { backendUnavailableError } from '../../jobs/backend-errors.js';
import { toBackendError } from './lease-errors.js';

/**
 * Runs one backend operation within `timeoutMs`: it first waits (within the same budget) for the
 * connection to be ready, so a call made while Redis restarts succeeds once it is back, then races
 * the operation against the clock. Past the budget the call rejects with
 * ERRAND_BACKEND_UNAVAILABLE (503, `Retry-After`); any other failure is mapped the same way.
 *
 * The operation itself is not cancelled: a command already written to a frozen server may still
 * take effect when it wakes (as with any network timeout). Commands are never queued while the
 * connection is down (`enableOfflineQueue: false`), so a call that failed for that reason did nothing.
 *
 * @example
 * return boundedCall(client, 5_000, 'enqueue', () => queue.addBulk(jobs))
 */
export async function boundedCall<T>(client: Redis, timeoutMs: number, what: string, operation: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(backendUnavailableError(`Redis did not answer ${what} within ${timeoutMs} ms (is it down, frozen or overloaded?); the call may or may not have taken effect`)), timeoutMs);
  });
  try {
    await Promise.race([whenReady(client, deadline, what), late]);
    return await Promise.race([operation(), late]);
  } catch (error) {
    throw toBackendError(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `client` can take commands; rejects at once when it was closed for good, or at `deadline`. */
function whenReady(client: Redis, deadline: number, what: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') return Promise.reject(backendUnavailableError(`the Redis connection was closed; cannot ${what}`));
  if (client.status === 'wait') void client.connect().catch(() => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(backendUnavailableError(`Redis could not be reached within the time allowed to ${what}`)), Math.max(0, deadline - Date.now()));
    nextReady(client).then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        reject(backendUnavailableError(`the Redis connection was closed; cannot ${what}`));
      },
    );
  });
}

/** The wait for each client's next `ready` (or `end`) that calls made meanwhile share. */
const readiness = new WeakMap<Redis, Promise<void>>();

/**
 * One `ready` and one `end` listener per client however many calls wait for it: a listener pair
 * per call passed Node's limit of 10 (MaxListenersExceededWarning) as soon as a worker's claims,
 * heartbeats and a few requests waited for Redis at once. Settles when the client is ready
 * (resolves) or closed for good (rejects); a call gives up on it at its own deadline.
 */
function nextReady(client: Redis): Promise<void> {
  let waiting = readiness.get(client);
  if (waiting === undefined) {
    waiting = new Promise<void>((resolve, reject) => {
      const settle = (closed: boolean): void => {
        client.off('ready', onReady);
        client.off('end', onEnd);
        readiness.delete(client);
        if (closed) reject(new Error('the Redis connection was closed'));
        else resolve();
      };
      const onReady = (): void => settle(false);
      const onEnd = (): void => settle(true);
      client.on('ready', onReady);
      client.on('end', onEnd);
    });
    // Every call that waits handles the rejection; a closing client with nobody waiting any more must not leave an unhandled one.
    waiting.catch(() => undefined);
    readiness.set(client, waiting);
  }
  return waiting;
}
