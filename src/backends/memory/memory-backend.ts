import { randomUUID } from 'node:crypto';
import type { ClaimedJob, ClaimOptions, Completion, GroupClaim, JobBackend, JobPage, Lease, LeaseStatus, ListOptions, QueueStats, RetentionOptions } from '../../jobs/backend.js';
import { decideDedupe, type KeyHolder } from '../../jobs/dedupe.js';
import { defaultRetention, leaseExpiredProblem, leaseLostError } from '../../jobs/backend-errors.js';
import { jobStates, type EnqueueResult, type JobRecord, type JobState, type NewJob } from '../../jobs/job.js';
import { addEvent, dropLease, failAttempt, finish, isFinished, jsonCopy, promote, toStored, type StoredJob } from './memory-store.js';
import { rateRetryAt } from '../../jobs/rate-window.js';
import { fairGroupId, pickFair, type FairGroupState } from '../../jobs/fair-order.js';
import { createMemoryScheduleStore } from './memory-schedules.js';
import { createMemorySeries } from './memory-series.js';
import { waitFor } from './wait-for.js';

/** Options of {@link createMemoryBackend}. */
export interface MemoryBackendOptions {
  /** How long finished jobs are kept. @default { succeededMs: 1 day, deadMs: 7 days, cancelledMs: 1 day } */
  retention?: RetentionOptions;
  /** Clock for timestamps, leases and due times. Waits still use real timers. @default Date.now */
  now?: () => number;
}

/**
 * A job backend in one process's memory: for tests and for trying errand out. Jobs do not
 * survive a restart and are not shared between processes. Passes the conformance suite.
 *
 * @example
 * const queue = createQueue({ backend: createMemoryBackend() })
 */
export function createMemoryBackend(options: MemoryBackendOptions = {}): JobBackend {
  const now = options.now ?? Date.now;
  const retention = { ...defaultRetention, ...options.retention };
  const jobs = new Map<string, StoredJob>();
  const waiters = new Set<() => void>();
  const series = createMemorySeries();
  let seq = 0;
  /** Rate-limit counters: the current fixed window of each bucket and the starts counted in it. */
  const rateCounters = new Map<string, { window: number; count: number }>();
  let closed = false;
  /** Fair queues: each group's last-served stamp (by fairGroupId), and the next stamp to hand out. */
  const served = new Map<string, number>();
  let servedStamp = 0;

  /** Records the end of a running job's attempt in the series (a cancelled attempt is neither success nor failure). */
  function attemptEnded(job: StoredJob, outcome: 'succeeded' | 'failed', at: number): void {
    if (outcome === 'failed' && job.cancelRequested) return;
    const { task, startedAt = at, runAt } = job.record;
    series.attempt(task, outcome, at, startedAt, runAt);
  }

  function notify(): void {
    for (const wake of [...waiters]) wake();
  }

  function held(lease: Lease): StoredJob {
    const job = jobs.get(lease.jobId);
    if (job === undefined || job.record.state !== 'running' || job.token !== lease.token) throw leaseLostError(lease.jobId);
    return job;
  }

  /** Takes back jobs whose lease lapsed: their attempt failed with ERRAND_LEASE_EXPIRED. */
  function reapExpired(at: number): void {
    for (const job of jobs.values()) {
      if (job.record.state !== 'running' || (job.leaseUntil ?? Infinity) > at) continue;
      addEvent(job, { at, type: 'lease-expired', attempt: job.record.attempts });
      const retryAt = job.record.attempts < job.record.maxAttempts ? at : null;
      attemptEnded(job, 'failed', at);
      failAttempt(job, leaseExpiredProblem(job.record.attempts), retryAt, at);
    }
  }

  function claimNow(claim: ClaimOptions): ClaimedJob[] {
    const at = now();
    reapExpired(at);
    const tasks = new Set(claim.tasks);
    const ready: StoredJob[] = [];
    for (const job of jobs.values()) {
      promote(job, at);
      if (job.record.state === 'queued' && tasks.has(job.record.task)) ready.push(job);
    }
    const limit = Math.max(0, claim.limit);
    const grouped = claim.groups === undefined ? [] : pickGroups(ready, claim.groups, limit);
    const plain = ready.filter((job) => claim.groups?.[job.record.task] === undefined);
    plain.sort((a, b) => a.record.priority - b.record.priority || a.record.runAt - b.record.runAt || a.seq - b.seq);
    return [...grouped, ...plain].slice(0, limit).map((job) => {
      const record = job.record;
      job.token = randomUUID();
      job.leaseUntil = at + claim.leaseMs;
      record.state = 'running';
      record.attempts += 1;
      record.startedAt = at;
      addEvent(job, { at, type: 'claimed', attempt: record.attempts, message: claim.workerId });
      const claimed: ClaimedJob = { jobId: record.id, token: job.token, leaseUntil: job.leaseUntil, task: record.task, payload: jsonCopy(record.payload), attempt: record.attempts, maxAttempts: record.maxAttempts, createdAt: record.createdAt };
      if (record.meta !== undefined) claimed.meta = { ...record.meta };
      return claimed;
    });
  }

  /**
   * The jobs of grouped tasks a claim takes, fairly (see `pickFair`): ready ones, the running ones
   * counted against each group's concurrency. Jobs stored without a group count as the group ''.
   */
  function pickGroups(ready: readonly StoredJob[], groups: Readonly<Record<string, GroupClaim>>, limit: number): StoredJob[] {
    const running = new Map<string, number>();
    for (const job of jobs.values()) {
      if (job.record.state !== 'running' || groups[job.record.task] === undefined) continue;
      const id = fairGroupId(job.record.task, job.group ?? '');
      running.set(id, (running.get(id) ?? 0) + 1);
    }
    const candidates = ready.filter((job) => groups[job.record.task] !== undefined).map((job) => ({ job, task: job.record.task, group: job.group ?? '', priority: job.record.priority, runAt: job.record.runAt, seq: job.seq }));
    const state = (id: string, task: string): FairGroupState => ({ served: served.get(id), room: (groups[task]?.concurrency ?? Infinity) - (running.get(id) ?? 0) });
    const pick = pickFair(candidates, state, limit, servedStamp);
    for (const group of pick.served) served.set(group.id, group.stamp);
    servedStamp += pick.served.length;
    return pick.taken.map((candidate) => candidate.job);
  }

  /** When the next delayed job becomes due or the next lease lapses: a waiting claim should look again then. */
  function nextDue(): number {
    let next = Infinity;
    for (const job of jobs.values()) {
      const state = job.record.state;
      if (state === 'delayed' || state === 'retrying') next = Math.min(next, job.record.runAt);
      else if (state === 'running') next = Math.min(next, job.leaseUntil ?? Infinity);
    }
    return next;
  }

  function completeOne(lease: Lease, result: unknown): void {
    const job = held(lease);
    job.record.result = jsonCopy(result);
    const at = now();
    attemptEnded(job, 'succeeded', at);
    finish(job, 'succeeded', at);
  }

  function read(job: StoredJob, at: number): JobRecord {
    promote(job, at);
    // The caller's data (payload, result, progress) is stored as JSON already and copied as JSON:
    // structuredClone overflows its stack some thousands of levels deep, where Node 26's
    // JSON.stringify (which stored it) does not, and every read of such a job threw (a permanent 500
    // on GET /jobs/:id). The rest of the record is errand's own and cloned.
    const { payload, result, progress, ...rest } = job.record;
    const copy: JobRecord = { ...structuredClone(rest), payload: jsonCopy(payload) };
    if ('result' in job.record) copy.result = jsonCopy(result);
    if ('progress' in job.record) copy.progress = jsonCopy(progress);
    return copy;
  }

  /** The unfinished jobs holding `key`, newest first. */
  function holdersOf(key: string): KeyHolder[] {
    const holding = [...jobs.values()].filter((job) => job.record.key === key && !isFinished(job.record.state)).sort((a, b) => b.seq - a.seq);
    return holding.map(({ record }) => ({ id: record.id, started: record.startedAt !== undefined, runAt: record.runAt, createdAt: record.createdAt }));
  }

  function enqueueOne(job: NewJob, at: number): EnqueueResult {
    const decision = job.key === undefined ? { action: 'insert' as const } : decideDedupe(job, holdersOf(job.key), at);
    if (decision.action === 'drop') return { id: decision.id, created: false };
    if (decision.action === 'replace') {
      const holder = jobs.get(decision.id);
      if (holder !== undefined) {
        holder.record.payload = jsonCopy(job.payload);
        holder.record.runAt = decision.runAt;
        holder.record.state = decision.runAt > at ? 'delayed' : 'queued';
        holder.record.updatedAt = at;
      }
      return { id: decision.id, created: false, replaced: true };
    }
    jobs.set(job.id, toStored(job, seq++, at));
    return { id: job.id, created: true };
  }

  const backend: JobBackend = {
    name: 'memory',

    async enqueue(newJobs) {
      const at = now();
      // One call is one write, as a SQL transaction makes it: a payload JSON cannot copy (nested too
      // deeply, a BigInt, a cycle) fails the call before any of its jobs is stored.
      for (const job of newJobs) jsonCopy(job.payload);
      const results = newJobs.map((job) => enqueueOne(job, at));
      notify();
      return Promise.resolve(results);
    },

    async claim(claim) {
      const deadline = now() + claim.waitMs;
      for (;;) {
        const claimed = claimNow(claim);
        const remaining = deadline - now();
        if (claimed.length > 0 || remaining <= 0 || closed || claim.signal?.aborted === true) return claimed;
        await waitFor(Math.min(remaining, Math.max(1, nextDue() - now())), waiters, claim.signal);
      }
    },

    async heartbeat(leases, leaseMs) {
      const at = now();
      return Promise.resolve(
        leases.map((lease): LeaseStatus => {
          const job = jobs.get(lease.jobId);
          if (job === undefined || job.record.state !== 'running' || job.token !== lease.token) return 'lost';
          if (job.cancelRequested) return 'cancelled';
          job.leaseUntil = at + leaseMs;
          return 'held';
        }),
      );
    },

    async progress(lease, value) {
      const job = held(lease);
      job.record.progress = jsonCopy(value);
      job.record.updatedAt = now();
      return Promise.resolve();
    },

    async complete(lease, result) {
      completeOne(lease, result);
      return Promise.resolve();
    },

    async completeMany(completions: readonly Completion[]) {
      return Promise.resolve(
        completions.map(({ lease, result }) => {
          try {
            completeOne(lease, result);
            return true;
          } catch {
            return false;
          }
        }),
      );
    },

    async fail(lease, { error, retryAt }) {
      const job = held(lease);
      const at = now();
      attemptEnded(job, 'failed', at);
      failAttempt(job, error, retryAt, at);
      notify();
      return Promise.resolve();
    },

    async cancelled(lease) {
      finish(held(lease), 'cancelled', now());
      return Promise.resolve();
    },

    async release(lease, runAt) {
      const job = held(lease);
      const at = now();
      if (job.cancelRequested) {
        finish(job, 'cancelled', at);
        return;
      }
      dropLease(job);
      const later = runAt !== undefined && runAt > at;
      job.record.state = later ? 'delayed' : 'queued';
      job.record.attempts -= 1;
      job.record.runAt = later ? runAt : at;
      addEvent(job, { at, type: 'released', attempt: job.record.attempts + 1 });
      notify();
      return Promise.resolve();
    },

    async get(id) {
      const job = jobs.get(id);
      return Promise.resolve(job === undefined ? undefined : read(job, now()));
    },

    async list(listOptions: ListOptions = {}): Promise<JobPage> {
      const at = now();
      const { state, task, limit = 50, offset = 0 } = listOptions;
      const matching = [...jobs.values()]
        .filter((job) => (promote(job, at), (state === undefined || job.record.state === state) && (task === undefined || job.record.task === task)))
        .sort((a, b) => b.record.createdAt - a.record.createdAt || b.seq - a.seq);
      return Promise.resolve({ jobs: matching.slice(offset, offset + limit).map((job) => read(job, at)), total: matching.length });
    },

    async stats(): Promise<QueueStats> {
      const at = now();
      const counts = Object.fromEntries(jobStates.map((state) => [state, 0])) as Record<JobState, number>;
      const byTask: QueueStats['byTask'] = {};
      let oldestQueuedAt: number | undefined;
      for (const job of jobs.values()) {
        promote(job, at);
        const { state, task, runAt } = job.record;
        counts[state] += 1;
        const perTask = (byTask[task] ??= {});
        perTask[state] = (perTask[state] ?? 0) + 1;
        if (state === 'queued') oldestQueuedAt = Math.min(oldestQueuedAt ?? Infinity, runAt);
      }
      return Promise.resolve(oldestQueuedAt === undefined ? { counts, byTask } : { counts, byTask, oldestQueuedAt });
    },

    async sampleDepth() {
      const at = now();
      if (series.hasDepth(at)) return Promise.resolve();
      let queued = 0;
      let running = 0;
      for (const job of jobs.values()) {
        promote(job, at);
        if (job.record.state === 'queued') queued += 1;
        else if (job.record.state === 'running') running += 1;
      }
      series.depth(at, queued, running);
      return Promise.resolve();
    },

    async findByKey(key) {
      const at = now();
      const matching = [...jobs.values()].filter((job) => job.record.key === key).sort((a, b) => b.seq - a.seq);
      return Promise.resolve(matching.slice(0, 50).map((job) => read(job, at)));
    },

    async series(since, bucketMs = 60_000) {
      return Promise.resolve(series.read(since, bucketMs));
    },

    async cancel(id) {
      const job = jobs.get(id);
      if (job === undefined || isFinished(job.record.state)) return Promise.resolve(false);
      if (job.record.state === 'running') job.cancelRequested = true;
      else finish(job, 'cancelled', now());
      return Promise.resolve(true);
    },

    async retry(id) {
      const job = jobs.get(id);
      if (job === undefined || (job.record.state !== 'dead' && job.record.state !== 'cancelled')) return Promise.resolve(false);
      const at = now();
      const record = job.record;
      record.state = 'queued';
      record.attempts = 0;
      record.runAt = at;
      delete record.finishedAt;
      delete record.result;
      addEvent(job, { at, type: 'retried' });
      notify();
      return Promise.resolve(true);
    },

    async remove(id) {
      const job = jobs.get(id);
      if (job === undefined || job.record.state === 'running') return Promise.resolve(false);
      return Promise.resolve(jobs.delete(id));
    },

    async prune(at = now()) {
      const keep: Record<string, number> = { succeeded: retention.succeededMs, dead: retention.deadMs, cancelled: retention.cancelledMs };
      let removed = 0;
      for (const [id, job] of jobs) {
        const ms = keep[job.record.state];
        if (ms !== undefined && (job.record.finishedAt ?? Infinity) + ms <= at) {
          jobs.delete(id);
          removed += 1;
        }
      }
      return Promise.resolve(removed);
    },

    async close() {
      closed = true;
      notify();
      return Promise.resolve();
    },

    async takeRateToken(bucket, limit, windowMs, at) {
      // A clock reading behind the window already counted in counts in that window (it never goes back).
      const counter = rateCounters.get(bucket);
      const window = Math.max(Math.floor(at / windowMs), counter?.window ?? Number.NEGATIVE_INFINITY);
      const count = counter?.window === window ? counter.count + 1 : 1;
      rateCounters.set(bucket, { window, count });
      return Promise.resolve(rateRetryAt(count, limit, window, windowMs));
    },

    // The enqueue above stores synchronously (its body has no await), as the store's advance needs.
    schedules: createMemoryScheduleStore(
      (id) => jobs.has(id),
      (newJobs) => backend.enqueue(newJobs),
    ),
  };
  return backend;
}
