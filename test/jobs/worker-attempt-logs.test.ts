import { describe, expect, it } from 'vitest';
import { createQueue, defineTask, type JobBackend } from '../../src/jobs/index.js';
import { leaseLostError } from '../../src/jobs/backend-errors.js';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { useMemoryWorkers } from './memory-workers.js';
import { recordingLogger } from './recording-logger.js';

// What a worker tells its operator (the log lines, with the ids an operator searches by) and its
// events when an attempt ends, through the public API on a real memory backend.

const { memory, start } = useMemoryWorkers();

describe('worker attempt logs and events', () => {
  it('logs a failure that will be retried at warn, with its ids, code and retry time, then the death at error', async () => {
    const backend = memory();
    const { logger, lines } = recordingLogger();
    const flaky = defineTask('flaky', {
      retries: 1,
      backoff: { type: 'fixed', delayMs: 10 },
      handler: () => {
        throw Object.assign(new Error('upstream refused'), { code: 'E_UPSTREAM' });
      },
    });
    const id = await createQueue({ backend }).enqueue(flaky, null);
    start(backend, { tasks: [flaky], logger });
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'dead', attempts: 2 }));
    await eventually(() => expect(lines.filter((line) => line.level === 'error')).toHaveLength(1));
    const [retried, dead] = lines.filter((line) => line.message.startsWith('job '));
    expect(retried).toMatchObject({
      level: 'warn',
      message: 'job attempt failed: task "flaky" attempt 1 of 2; it will run again',
      fields: { jobId: id, task: 'flaky', attempt: 1, maxAttempts: 2, code: 'E_UPSTREAM' },
    });
    expect(retried?.fields.err).toBeInstanceOf(Error);
    expect(new Date(String(retried?.fields.retryAt)).toISOString()).toBe(retried?.fields.retryAt);
    expect(dead).toMatchObject({
      level: 'error',
      message: 'job dead: task "flaky" failed on attempt 2 of 2 and will not run again',
      fields: { jobId: id, task: 'flaky', attempt: 2, maxAttempts: 2, code: 'E_UPSTREAM' },
    });
    expect(dead?.fields).not.toHaveProperty('retryAt');
    expect((dead?.fields.err as Error).message).toBe('upstream refused');
  });

  it('logs a lost lease with the job, task, attempt and the discarded action, and no failure', async () => {
    const inner = memory();
    const { logger, lines } = recordingLogger();
    const backend: JobBackend = {
      ...inner,
      fail: (lease) => Promise.reject(leaseLostError(lease.jobId)),
      progress: (lease) => Promise.reject(leaseLostError(lease.jobId)),
    };
    const stolen = defineTask('stolen', {
      retries: 0,
      handler: async (_payload: null, context) => {
        await context.progress('half');
        throw new Error('too late anyway');
      },
    });
    const id = await createQueue({ backend }).enqueue(stolen, null);
    const worker = start(backend, { tasks: [stolen], logger });
    const events: string[] = [];
    worker.on('job:failed', ({ willRetry }) => void events.push(`failed retry=${String(willRetry)}`));
    worker.on('job:dead', () => void events.push('dead'));
    await eventually(() => expect(events).toEqual(['failed retry=false', 'dead']));
    const lost = lines.filter((line) => line.message.startsWith('lease lost'));
    expect(lost).toEqual([
      { level: 'warn', message: 'lease lost: another worker owns this job now; this outcome was discarded', fields: { jobId: id, task: 'stolen', attempt: 1, action: 'progress' } },
      { level: 'warn', message: 'lease lost: another worker owns this job now; this outcome was discarded', fields: { jobId: id, task: 'stolen', attempt: 1, action: 'fail' } },
    ]);
    // The failure was not recorded, so it is not logged as a death either.
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('reports a backend error other than a lost lease as worker:error, not as a lost lease', async () => {
    const inner = memory();
    const { logger, lines } = recordingLogger();
    const backend: JobBackend = { ...inner, fail: () => Promise.reject(new Error('disk full')) };
    const failing = defineTask('failing', {
      retries: 0,
      handler: () => {
        throw new Error('handler failed');
      },
    });
    await createQueue({ backend }).enqueue(failing, null);
    const worker = start(backend, { tasks: [failing], logger });
    const errors: string[] = [];
    worker.on('worker:error', ({ error }) => void errors.push(error.message));
    await eventually(() => expect(errors).toEqual(['disk full']));
    expect(lines.filter((line) => line.message.startsWith('lease lost') || line.message.startsWith('job dead'))).toEqual([]);
  });

  it('records a job cancelled while running as cancelled at the next heartbeat, long before its lease would lapse', async () => {
    const backend = memory();
    let started = false;
    const slow = defineTask('slow', {
      handler: async (_payload: null, { signal }) => {
        started = true;
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      },
    });
    const queue = createQueue({ backend });
    const id = await queue.enqueue(slow, null);
    const worker = start(backend, { tasks: [slow], heartbeatMs: 20, leaseMs: 60_000 });
    const cancelled: string[] = [];
    worker.on('job:cancelled', ({ job }) => void cancelled.push(job.jobId));
    await eventually(() => expect(started).toBe(true));
    expect(await queue.cancel(id)).toBe(true);
    await eventually(async () => expect(await backend.get(id)).toMatchObject({ state: 'cancelled' }));
    expect(cancelled).toEqual([id]);
  });

  it('logs a cancellation whose lease was lost with the action "cancelled"', async () => {
    const inner = memory();
    const { logger, lines } = recordingLogger();
    const backend: JobBackend = { ...inner, cancelled: (lease) => Promise.reject(leaseLostError(lease.jobId)) };
    let started = false;
    const slow = defineTask('slow', {
      handler: async (_payload: null, { signal }) => {
        started = true;
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      },
    });
    const queue = createQueue({ backend });
    const id = await queue.enqueue(slow, null);
    start(backend, { tasks: [slow], heartbeatMs: 20, logger });
    await eventually(() => expect(started).toBe(true));
    await queue.cancel(id);
    await eventually(() => expect(lines.filter((line) => line.message.startsWith('lease lost'))).toHaveLength(1));
    expect(lines.find((line) => line.message.startsWith('lease lost'))?.fields).toEqual({ jobId: id, task: 'slow', attempt: 1, action: 'cancelled' });
  });
});

describe('rate-limited attempts', () => {
  it('fails a rate-limited job on a backend that keeps no rate-limit counters, saying so', async () => {
    const inner = memory();
    const backend: JobBackend = { ...inner };
    delete backend.takeRateToken;
    const limited = defineTask('limited', { retries: 0, rateLimit: { limit: 1, intervalMs: 60_000 }, handler: () => 'ran' });
    const id = await createQueue({ backend }).enqueue(limited, null);
    start(backend, { tasks: [limited], logger: recordingLogger().logger });
    await eventually(async () => expect(await inner.get(id)).toMatchObject({ state: 'dead' }));
    expect((await inner.get(id))?.error).toMatchObject({ code: 'ERRAND_BACKEND_CONFIG', detail: `task "limited" has a rateLimit but backend ${inner.name} keeps no rate-limit counters` });
  });

  it('counts starts per key: the key function of the payload names the counter', async () => {
    const inner = memory();
    const buckets: string[] = [];
    const takeRateToken = inner.takeRateToken!.bind(inner);
    const backend: JobBackend = { ...inner, takeRateToken: (bucket, limit, intervalMs, now) => (buckets.push(bucket), takeRateToken(bucket, limit, intervalMs, now)) };
    const perTenant = defineTask('per-tenant', { rateLimit: { limit: 5, intervalMs: 60_000, key: (payload: { tenant: string }) => payload.tenant }, handler: () => undefined });
    const plain = defineTask('plain', { rateLimit: { limit: 5, intervalMs: 60_000 }, handler: () => undefined });
    const queue = createQueue({ backend });
    const ids = [await queue.enqueue(perTenant, { tenant: 'acme' }), await queue.enqueue(plain, null)];
    start(backend, { tasks: [perTenant, plain], logger: recordingLogger().logger });
    await eventually(async () => expect((await Promise.all(ids.map((id) => inner.get(id)))).map((job) => job?.state)).toEqual(['succeeded', 'succeeded']));
    expect(buckets.sort()).toEqual(['per-tenant:acme', 'plain']);
  });
});
