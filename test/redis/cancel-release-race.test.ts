import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../../src/backends/redis/redis-backend.js';
import type { ClaimedJob } from '../../src/jobs/backend.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';

/**
 * A worker releases a job (it is stopping, or the job's rate limit is full) while the dashboard, in
 * another process, cancels it. `release` checks for a cancel request and then moves the job back to
 * the queue; a cancel landing between the two used to flag a job that was no longer running: the
 * next claim handed it out, it started once more and was aborted at its first heartbeat, and its flag
 * stayed in the cancel set for good when it completed before that heartbeat. Here the two really race,
 * many times, with the cancel sent at varying moments around the release.
 */
const redisUp = await redisAvailable();
const rounds = 150;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Lets `n` rounds of the event loop pass: spreads the cancel over the release's round trips. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe.skipIf(!redisUp)('redis: a cancel racing a release', () => {
  it.each([false, true])('the job never starts again, ends cancelled and leaves no cancel flag (batch scripts: %s)', async (batchScripts) => {
    const prefix = uniqueRedisPrefix('cancel-release');
    const worker = createRedisBackend({ url: testRedisUrl, prefix, batchScripts });
    // The dashboard's process: its own backend and connection, as `errand` in another process has.
    const dashboard = createRedisBackend({ url: testRedisUrl, prefix, batchScripts });
    // Another worker's process, claiming while the release runs: it may take the job the moment it is back.
    const other = createRedisBackend({ url: testRedisUrl, prefix, batchScripts });
    const client = new Redis(testRedisUrl);
    cleanups.push(async () => {
      client.disconnect();
      await worker.close();
      await dashboard.close();
      await other.close();
      await deleteRedisPrefix(prefix);
    });
    const claim = (limit: number, by = worker) => by.claim({ workerId: by === worker ? 'w' : 'other', tasks: ['race'], limit, leaseMs: 30_000, waitMs: 0 });
    const flags = `${prefix}:jobs:errand:cancel-requested`;
    const startedAgain: string[] = [];
    const notCancelled: string[] = [];
    const flagsLeft: string[] = [];
    for (let n = 0; n < rounds; n += 1) {
      const id = `job-${n}`;
      const now = Date.now();
      await worker.enqueue([{ id, task: 'race', payload: n, runAt: now, priority: 0, maxAttempts: 3, createdAt: now }]);
      const [lease] = await claim(1);
      if (lease === undefined) throw new Error(`round ${n}: the job was not claimed`);
      // The cancel goes first (it takes more round trips than the release), the release after a
      // varying number of turns of the event loop, so the cancel's flag lands anywhere around the release.
      const cancelling = dashboard.cancel(id);
      await turns(n % 8);
      const releasing = worker.release(lease);
      let releasedYet = false;
      // In odd rounds another worker claims over and over from the moment the cancel flag is set
      // until the release returns: none of those claims may hand the job out.
      const claimingMeanwhile = async (): Promise<ClaimedJob[]> => {
        const got: ClaimedJob[] = [];
        if (n % 2 === 0) return got;
        while (!releasedYet && (await client.sismember(flags, id)) === 0);
        while (!releasedYet && got.length === 0) got.push(...(await claim(10, other)));
        return got;
      };
      const [cancelled, meanwhile] = await Promise.all([cancelling, claimingMeanwhile(), releasing.finally(() => (releasedYet = true))]);
      expect(cancelled).toBe(true);
      // A worker that got the job anyway runs it to the end before its first heartbeat (the worst
      // case: its flag used to stay behind).
      for (const again of meanwhile) {
        startedAgain.push(again.jobId);
        await other.complete(again, null);
      }
      // Once both calls returned it is cancelled, without waiting for a claim to find it; and a claim
      // now does not hand it out.
      const state = (await dashboard.get(id))?.state;
      if (state !== 'cancelled') notCancelled.push(`${id}: ${state ?? 'gone'}`);
      for (const again of await claim(10)) {
        startedAgain.push(again.jobId);
        await worker.complete(again, null);
      }
      if ((await client.sismember(flags, id)) === 1) flagsLeft.push(id);
    }
    console.log(`redis cancel/release race (batch scripts: ${batchScripts}): ${rounds} rounds, ${startedAgain.length} started again, ${notCancelled.length} not cancelled, ${flagsLeft.length} flags left`);
    expect({ startedAgain, notCancelled, flagsLeft }).toEqual({ startedAgain: [], notCancelled: [], flagsLeft: [] });
  });

  it('the flag of a cancel that lost to the job\'s end does not outlive it: completed, dead or already finished', async () => {
    const prefix = uniqueRedisPrefix('cancel-end');
    const worker = createRedisBackend({ url: testRedisUrl, prefix });
    const client = new Redis(testRedisUrl);
    cleanups.push(async () => {
      client.disconnect();
      await worker.close();
      await deleteRedisPrefix(prefix);
    });
    const flags = `${prefix}:jobs:errand:cancel-requested`;
    const now = Date.now();
    await worker.enqueue(['completes', 'dies', 'done'].map((id) => ({ id, task: 'end', payload: id, runAt: now, priority: 0, maxAttempts: 1, createdAt: now })));
    const leases = await worker.claim({ workerId: 'w', tasks: ['end'], limit: 3, leaseMs: 30_000, waitMs: 0 });
    const lease = (id: string): ClaimedJob => leases.find((claimed) => claimed.jobId === id) ?? expect.unreachable(`job ${id} was not claimed`);
    // Cancelled while running; each ends before its worker's next heartbeat would have heard it.
    expect(await worker.cancel('completes')).toBe(true);
    expect(await worker.cancel('dies')).toBe(true);
    expect(await client.smembers(flags)).toHaveLength(2);
    await worker.complete(lease('completes'), null);
    await worker.fail(lease('dies'), { error: { type: 'about:blank', title: 'Error', status: 500 }, retryAt: null });
    // Finished before the cancel: nothing to cancel, and no flag.
    await worker.complete(lease('done'), null);
    expect(await worker.cancel('done')).toBe(false);
    expect(await client.smembers(flags)).toEqual([]);
  });
});
