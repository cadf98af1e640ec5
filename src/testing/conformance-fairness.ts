import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimedJob, ClaimOptions, JobBackend } from '../jobs/backend.js';
import { defineTask } from '../jobs/define-task.js';
import { createQueue } from '../jobs/queue.js';
import { createWorker, type Worker } from '../jobs/worker.js';
import { backendsFor, claim, eventually, newJob, sleep, testProblem, type ConformanceOptions } from './conformance-helpers.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The group of a claimed conformance job: its payload says it. */
function groupOf(job: ClaimedJob): string {
  return (job.payload as { group: string }).group;
}

function grouped(group: string, n: number, overrides: Parameters<typeof newJob>[0] = {}): ReturnType<typeof newJob> {
  return newJob({ payload: { group, n }, group, ...overrides });
}

/** One one-job fair claim that must take a job (retried until it does: a retry is promoted on the backend's clock). */
async function claimOneJob(backend: JobBackend, fair: Pick<ClaimOptions, 'groups'>): Promise<ClaimedJob[]> {
  const jobs = await claim(backend, { limit: 1, ...fair });
  if (jobs.length !== 1) throw new Error(`expected one job, claimed ${jobs.length}`);
  return jobs;
}

/** The backend, with every completion stored `ms` after the worker hands it over (a busy database). */
function recordingCompletionsLate(backend: JobBackend, ms: number): JobBackend {
  return new Proxy(backend, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value.bind(target) as (...args: unknown[]) => unknown;
      if (property !== 'complete' && property !== 'completeMany') return method;
      return async (...args: unknown[]) => {
        await sleep(ms);
        return method(...args);
      };
    },
  });
}

/** Fair queues: groups of a task take turns at claim, and a group's concurrency holds across workers. */
export function describeFairness(options: ConformanceOptions): void {
  const makeBackend = backendsFor(options);
  const fair: Pick<ClaimOptions, 'groups'> = { groups: { conformance: {} } };

  describe.skipIf(options.fairQueues === false)('fair queues', () => {
    const workers: Worker[] = [];
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeoutMs: 2_000 })));
    });

    it('takes groups in turns: 10 jobs of group b enqueued after 1,000 of group a are all claimed within the first 20 one-job claims', async () => {
      const backend = await makeBackend();
      await backend.enqueue(Array.from({ length: 1_000 }, (_, n) => grouped('a', n)));
      await backend.enqueue(Array.from({ length: 10 }, (_, n) => grouped('b', n)));
      const taken: string[] = [];
      for (let n = 0; n < 20; n += 1) taken.push(...(await claim(backend, { limit: 1, ...fair })).map(groupOf));
      expect(taken).toHaveLength(20);
      expect(taken.filter((group) => group === 'b')).toHaveLength(10);
    });

    it('alternates groups within one batch claim, each group in its own queue order', async () => {
      const backend = await makeBackend();
      await backend.enqueue(Array.from({ length: 50 }, (_, n) => grouped('a', n)));
      await backend.enqueue(Array.from({ length: 3 }, (_, n) => grouped('b', n)));
      await backend.enqueue(Array.from({ length: 3 }, (_, n) => grouped('c', n)));
      const jobs = await claim(backend, { limit: 9, ...fair });
      const groups = jobs.map(groupOf);
      expect(groups.filter((group) => group === 'b')).toHaveLength(3);
      expect(groups.filter((group) => group === 'c')).toHaveLength(3);
      expect(groups.filter((group) => group === 'a')).toHaveLength(3);
      for (const group of ['a', 'b', 'c']) {
        const order = jobs.filter((job) => groupOf(job) === group).map((job) => (job.payload as { n: number }).n);
        expect(order).toEqual([0, 1, 2]);
      }
    });

    it('serves the group served least recently first', async () => {
      const backend = await makeBackend();
      await backend.enqueue([grouped('a', 0), grouped('a', 1), grouped('a', 2), grouped('b', 0), grouped('b', 1)]);
      const first = await claim(backend, { limit: 1, ...fair });
      const second = await claim(backend, { limit: 1, ...fair });
      const third = await claim(backend, { limit: 1, ...fair });
      const order = [...first, ...second, ...third].map(groupOf);
      expect(order[0]).not.toBe(order[1]);
      expect(order[2]).toBe(order[0]);
    });

    it('a retried job waits for its group\'s turn like any other job of the group', async () => {
      const backend = await makeBackend();
      await backend.enqueue([grouped('a', 0), grouped('a', 1), grouped('b', 0), grouped('b', 1)]);
      const [first] = await claim(backend, { limit: 1, ...fair });
      if (first === undefined) throw new Error('nothing was claimed');
      const served = groupOf(first);
      const other = served === 'a' ? 'b' : 'a';
      // Due again at once: its group was just served, so the other group's turn comes first.
      await backend.fail(first, { error: testProblem(), retryAt: Date.now() });
      await sleep(5);
      const order: string[] = [];
      for (let n = 0; n < 4; n += 1) order.push(...(await eventually(() => claimOneJob(backend, fair))).map(groupOf));
      expect(order).toEqual([other, served, other, served]);
      expect(order.filter((group) => group === served)).toHaveLength(2);
    });

    it('lets priority win over turns: a more urgent job is taken first whatever its group', async () => {
      const backend = await makeBackend();
      await backend.enqueue(Array.from({ length: 5 }, (_, n) => grouped('a', n, { priority: 0 })));
      await backend.enqueue(Array.from({ length: 5 }, (_, n) => grouped('b', n, { priority: 5 })));
      const jobs = await claim(backend, { limit: 5, ...fair });
      expect(jobs.map(groupOf)).toEqual(['a', 'a', 'a', 'a', 'a']);
    });

    it('does not take a delayed job early, and a group whose jobs are all delayed holds no one up', async () => {
      const backend = await makeBackend();
      await backend.enqueue([grouped('a', 0, { runAt: Date.now() + 60_000 }), grouped('b', 0), grouped('b', 1)]);
      const jobs = await claim(backend, { limit: 10, ...fair });
      expect(jobs.map(groupOf)).toEqual(['b', 'b']);
    });

    it('caps the running jobs of each group at its concurrency, and a finished job frees its group a slot', async () => {
      const backend = await makeBackend();
      const capped: Pick<ClaimOptions, 'groups'> = { groups: { conformance: { concurrency: 2 } } };
      await backend.enqueue([...Array.from({ length: 5 }, (_, n) => grouped('a', n)), ...Array.from({ length: 5 }, (_, n) => grouped('b', n))]);
      const first = await claim(backend, { limit: 10, ...capped });
      expect(first.map(groupOf).sort()).toEqual(['a', 'a', 'b', 'b']);
      expect(await claim(backend, { limit: 10, ...capped })).toEqual([]);
      const done = first.find((job) => groupOf(job) === 'a');
      if (done === undefined) throw new Error('no job of group a was claimed');
      await backend.complete(done, null);
      await eventually(async () => {
        const next = await claim(backend, { limit: 10, ...capped });
        expect(next.map(groupOf)).toEqual(['a']);
      });
    });

    it('keeps the groups of different tasks apart', async () => {
      const backend = await makeBackend();
      const capped: Pick<ClaimOptions, 'groups'> = { groups: { conformance: { concurrency: 1 }, other: { concurrency: 1 } } };
      await backend.enqueue([grouped('x', 0), grouped('x', 1), grouped('x', 0, { task: 'other' }), grouped('x', 1, { task: 'other' })]);
      const jobs = await claim(backend, { limit: 10, ...capped });
      expect(jobs.map((job) => job.task).sort()).toEqual(['conformance', 'other']);
    });

    it('claims the jobs of a grouped task that were stored without a group', async () => {
      const backend = await makeBackend();
      const job = newJob();
      await backend.enqueue([job]);
      const jobs = await claim(backend, { limit: 10, ...fair });
      expect(jobs.map((claimed) => claimed.jobId)).toEqual([job.id]);
    });

    it('workers sharing the backend never run more than a group\'s concurrency at once, and every job runs', async () => {
      const backend = await makeBackend();
      const running = new Map<string, number>();
      const most = new Map<string, number>();
      let done = 0;
      const task = defineTask<{ tenant: string; n: number }>('conformance', {
        retries: 0,
        group: { key: ({ tenant }) => tenant, concurrency: 2 },
        handler: async ({ tenant }) => {
          const now = (running.get(tenant) ?? 0) + 1;
          running.set(tenant, now);
          most.set(tenant, Math.max(most.get(tenant) ?? 0, now));
          await sleep(20);
          running.set(tenant, (running.get(tenant) ?? 1) - 1);
          done += 1;
        },
      });
      const queue = createQueue({ backend });
      const tenants = ['a', 'b', 'c'];
      await queue.enqueueMany(tenants.flatMap((tenant) => Array.from({ length: 8 }, (_, n) => ({ task, payload: { tenant, n } }))));
      for (let n = 0; n < 2; n += 1) workers.push(createWorker({ backend, tasks: [task], concurrency: 6, pollMs: 25, pruneIntervalMs: 0, logger: quiet }).start());
      await eventually(() => expect(done).toBe(24));
      for (const tenant of tenants) expect(most.get(tenant) ?? 0).toBeLessThanOrEqual(2);
      expect([...most.values()].some((count) => count === 2)).toBe(true);
    });

    it('a worker claims again as soon as the backend has recorded the end of one of its grouped jobs, without waiting for its next poll', async () => {
      // Completions recorded 50 ms after the handler ends: the claim a freed slot sends meanwhile finds the
      // group full. A worker that then waited for its next poll (a minute here) would take 20 minutes.
      const backend = recordingCompletionsLate(await makeBackend(), 50);
      let done = 0;
      const task = defineTask<{ n: number }>('conformance', { retries: 0, group: { key: () => 'one', concurrency: 1 }, handler: () => void (done += 1) });
      await createQueue({ backend }).enqueueMany(Array.from({ length: 20 }, (_, n) => ({ task, payload: { n } })));
      workers.push(createWorker({ backend, tasks: [task], concurrency: 4, pollMs: 60_000, pruneIntervalMs: 0, logger: quiet }).start());
      await eventually(() => expect(done).toBe(20), 30_000);
    }, 60_000);

    it('a worker takes a small group\'s jobs before a large backlog of another group is done', async () => {
      const backend = await makeBackend();
      const order: string[] = [];
      const task = defineTask<{ tenant: string }>('conformance', { retries: 0, group: { key: ({ tenant }) => tenant }, handler: ({ tenant }) => void order.push(tenant) });
      const queue = createQueue({ backend });
      await queue.enqueueMany(Array.from({ length: 100 }, () => ({ task, payload: { tenant: 'big' } })));
      await queue.enqueueMany(Array.from({ length: 5 }, () => ({ task, payload: { tenant: 'small' } })));
      workers.push(createWorker({ backend, tasks: [task], concurrency: 1, batchSize: 1, pollMs: 25, pruneIntervalMs: 0, logger: quiet }).start());
      // One job at a time, each a claim and a completion: give a loaded machine time.
      await eventually(() => expect(order.length).toBe(105), 90_000);
      // Without turns the small group's jobs would come last (100 to 104).
      expect(order.lastIndexOf('small')).toBeLessThan(20);
    }, 120_000);
  });
}
