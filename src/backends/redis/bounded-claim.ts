import type { Redis } from 'ioredis';
import type { ClaimedJob, ClaimOptions, Lease } from '../../jobs/backend.js';
import { boundedCall } from './bounded-call.js';

/** What {@link boundedClaim} needs of the backend. */
export interface Claimer {
  claim(options: ClaimOptions): Promise<ClaimedJob[]>;
  release(lease: Lease): Promise<void>;
}

/**
 * A claim within its budget ({@link boundedCall}) that leaves no job behind when the budget runs
 * out first. The claim's commands are not cancelled by the timeout: one written to a Redis that is
 * frozen, restarting or overloaded still takes its jobs when Redis answers, after the caller was told
 * the claim failed. Those jobs used to stay locked, run by nobody, until their lease lapsed (30 s by
 * default): a worker whose claim timed out while Redis restarted ran the next job half a minute late.
 * Now the abandoned claim is told to stop (its `signal`), and whatever it took anyway is handed back
 * at once (`release`: its attempt not counted, a cancelled one ends cancelled).
 */
export async function boundedClaim(backend: Claimer, client: Redis, timeoutMs: number, options: ClaimOptions): Promise<ClaimedJob[]> {
  const abandon = new AbortController();
  const signal = options.signal === undefined ? abandon.signal : AbortSignal.any([options.signal, abandon.signal]);
  let claiming: Promise<ClaimedJob[]> | undefined;
  try {
    return await boundedCall(client, timeoutMs, 'claim', () => (claiming = backend.claim({ ...options, signal })));
  } catch (error) {
    abandon.abort();
    if (claiming !== undefined) void claiming.then((jobs) => handBack(backend, jobs), () => undefined);
    throw error;
  }
}

async function handBack(backend: Claimer, jobs: readonly ClaimedJob[]): Promise<void> {
  // A release that fails leaves the job to its lease, as before.
  for (const job of jobs) await backend.release(job).catch(() => undefined);
}
