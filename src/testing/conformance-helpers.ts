import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import type { ProblemDetails } from '../errors/problem-details.js';
import type { ClaimedJob, ClaimOptions, JobBackend, RetentionOptions } from '../jobs/backend.js';
import type { NewJob } from '../jobs/job.js';

/** Options a conformance test may ask of the backend factory. */
export interface BackendFactoryOptions {
  /** Retention for prune tests. */
  retention?: RetentionOptions;
}

/** How the conformance suite gets backends. */
export interface ConformanceOptions {
  /** Makes a fresh, empty backend (a unique queue name, prefix or file per call). */
  create(options: BackendFactoryOptions): Promise<JobBackend>;
  /** Runs after the backend was closed (delete its file, flush its keys). */
  cleanup?(backend: JobBackend): Promise<void>;
  /** Whether the backend claims by group (`ClaimOptions.groups`, docs/jobs.md "Fair queues"); false skips those tests, for a backend without them. @default true */
  fairQueues?: boolean;
  /**
   * Opens a second backend on the same storage as `backend` (its own connection, pool or client),
   * for the tests of concurrent enqueues; the suite closes it. Without it, those tests race two
   * calls on the one backend.
   */
  createPeer?(backend: JobBackend): Promise<JobBackend>;
}

/** Registers an afterEach that closes and cleans every backend the test made; returns the maker. */
export function backendsFor(options: ConformanceOptions): (factoryOptions?: BackendFactoryOptions) => Promise<JobBackend> {
  const made: JobBackend[] = [];
  afterEach(async () => {
    for (const backend of made.splice(0)) {
      await backend.close();
      await options.cleanup?.(backend);
    }
  });
  return async (factoryOptions = {}) => {
    const backend = await options.create(factoryOptions);
    made.push(backend);
    return backend;
  };
}

/** A new job ready now, with overridable fields. */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  const now = Date.now();
  return { id: randomUUID(), task: 'conformance', payload: { n: 1 }, runAt: now, priority: 0, maxAttempts: 3, createdAt: now, ...overrides };
}

/** Claims with sensible test defaults (every conformance task name, no wait). */
export function claim(backend: JobBackend, overrides: Partial<ClaimOptions> = {}): Promise<ClaimedJob[]> {
  return backend.claim({ workerId: 'conformance-worker', tasks: ['conformance', 'other'], limit: 10, leaseMs: 30_000, waitMs: 0, ...overrides });
}

/** Claims exactly one job and fails the test otherwise. */
export async function claimOne(backend: JobBackend, overrides: Partial<ClaimOptions> = {}): Promise<ClaimedJob> {
  const jobs = await claim(backend, { limit: 1, ...overrides });
  const [job] = jobs;
  if (job === undefined || jobs.length !== 1) throw new Error(`expected to claim one job, claimed ${jobs.length}`);
  return job;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` until it stops throwing, or rethrows its last error after `timeoutMs`. The default
 * is far above what an idle machine needs: a passing check returns as soon as it holds, and on a
 * loaded machine (load 20 on two cores) lease expiries and worker turns take many times longer.
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 30_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(intervalMs);
    }
  }
}

export function testProblem(detail = 'it broke'): ProblemDetails {
  return { type: 'about:blank', title: 'Error', status: 500, detail };
}
