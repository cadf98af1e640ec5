import type { JobBackend } from '../../jobs/backend.js';
import type { NewJob } from '../../jobs/job.js';
import { outboxTask } from './with-outbox.js';

/** Options of {@link createOutboxRelay}. */
export interface OutboxRelayOptions {
  /** The outbox the app writes to (the `outbox` given to `withOutbox`). */
  outbox: JobBackend;
  /** Where jobs run (the `target` given to `withOutbox`). */
  target: JobBackend;
  /** Entries moved per round trip. @default 100 */
  batchSize?: number;
  /** How long a relay holds entries it is moving; a relay killed mid-move lets them go after this. @default 10000 */
  leaseMs?: number;
  /** Longest wait for new entries before polling again (LISTEN wakes a Postgres outbox sooner). @default 1000 */
  pollMs?: number;
  /** Identifies this relay in the outbox's history. @default `relay-<pid>` */
  relayId?: string;
  /** Called when a round fails (the relay waits `pollMs` and goes on). @default console.error */
  onError?: (error: unknown) => void;
}

/** A running relay. */
export interface OutboxRelay {
  /** Moves what is committed in the outbox now, once; resolves to how many entries were moved. */
  moveOnce(): Promise<number>;
  /** Starts moving in the background, until `stop()`. */
  start(): OutboxRelay;
  /** Stops after the round in flight. */
  stop(): Promise<void>;
}

/**
 * Moves committed outbox entries to the target, exactly once per job id. Each round claims entries
 * (a lease, so relays in several processes share the work), enqueues their jobs in the target under
 * the same ids, then completes the entries. A relay killed between the two steps loses its lease;
 * the entries are claimed again and enqueued again under the same ids, which the target refuses to
 * store twice (BullMQ keeps one job per id; SQL backends' ids are unique): the job runs once.
 *
 * @example
 * const relay = createOutboxRelay({ outbox, target: redis }).start()
 * // on shutdown
 * await relay.stop()
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { outbox, target } = options;
  const pollMs = options.pollMs ?? 1_000;
  const claimOptions = { workerId: options.relayId ?? `relay-${process.pid}`, tasks: [outboxTask], limit: options.batchSize ?? 100, leaseMs: options.leaseMs ?? 10_000 };
  const onError = options.onError ?? ((error: unknown) => console.error('[errand outbox relay]', error));
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;

  async function move(waitMs: number, signal?: AbortSignal): Promise<number> {
    const entries = await outbox.claim({ ...claimOptions, waitMs, ...(signal === undefined ? {} : { signal }) });
    if (entries.length === 0) return 0;
    await target.enqueue(entries.map((entry) => entry.payload as NewJob));
    if (outbox.completeMany !== undefined) await outbox.completeMany(entries.map((lease) => ({ lease, result: null })));
    else await Promise.all(entries.map((lease) => outbox.complete(lease, null)));
    return entries.length;
  }

  const relay: OutboxRelay = {
    moveOnce: () => move(0),
    start() {
      if (loop !== undefined) return relay;
      const controller = new AbortController();
      stopping = controller;
      loop = (async () => {
        while (!controller.signal.aborted) {
          try {
            await move(pollMs, controller.signal);
          } catch (error) {
            onError(error);
            await new Promise((resolve) => setTimeout(resolve, pollMs));
          }
        }
      })();
      return relay;
    },
    async stop() {
      stopping?.abort();
      await loop;
      loop = undefined;
    },
  };
  return relay;
}
