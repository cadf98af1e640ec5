import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobBackend } from './backend.js';
import { sleep, startDepthSampling } from './worker-timers.js';

// The worker's once-a-minute depth sample and its sleep, on fake timers and a fake clock.

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A backend that only takes depth samples, each answered by the test through `settle`. */
function sampling(): { backend: JobBackend; samples: number[]; settle: (error?: Error) => void } {
  const samples: number[] = [];
  let pending: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const backend = {
    sampleDepth: () => {
      samples.push(Date.now());
      return new Promise<void>((resolve, reject) => (pending = { resolve, reject }));
    },
  } as unknown as JobBackend;
  const settle = (error?: Error): void => {
    const current = pending;
    pending = undefined;
    if (error === undefined) current?.resolve();
    else current?.reject(error);
  };
  return { backend, samples, settle };
}

describe('startDepthSampling', () => {
  it('samples at start, then once a minute, a few random seconds into the next minute', async () => {
    vi.setSystemTime(Date.UTC(2026, 0, 1, 10, 0, 30));
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { backend, samples, settle } = sampling();
    const stop = startDepthSampling(backend, () => undefined);
    expect(samples).toEqual([Date.UTC(2026, 0, 1, 10, 0, 30)]);
    settle();
    // 10:01:00 plus half of the five random seconds.
    const next = Date.UTC(2026, 0, 1, 10, 1, 2, 500);
    await vi.advanceTimersByTimeAsync(next - 1 - Date.now());
    expect(samples).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(samples).toEqual([Date.UTC(2026, 0, 1, 10, 0, 30), next]);
    settle();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(samples).toEqual([Date.UTC(2026, 0, 1, 10, 0, 30), next, next + 60_000]);
    settle();
    await stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a failed sample and samples again the next minute', async () => {
    vi.setSystemTime(Date.UTC(2026, 0, 1, 10, 0, 0));
    const { backend, samples, settle } = sampling();
    const errors: Error[] = [];
    const stop = startDepthSampling(backend, (error) => errors.push(error));
    settle(new Error('count failed'));
    await vi.advanceTimersByTimeAsync(65_000);
    expect(errors.map((error) => error.message)).toEqual(['count failed']);
    expect(samples).toHaveLength(2);
    settle();
    await stop();
  });

  it('waits at stop for the sample in flight, then neither reports its failure nor samples again', async () => {
    const { backend, samples, settle } = sampling();
    const errors: Error[] = [];
    const stop = startDepthSampling(backend, (error) => errors.push(error));
    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    settle(new Error('connection closed by the shutdown'));
    await stopping;
    expect(errors).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(samples).toHaveLength(1);
  });
});

describe('sleep', () => {
  it('resolves at once, with no timer, for a signal already aborted or a wait of 0 ms or less', async () => {
    const aborted = AbortSignal.abort();
    const live = new AbortController().signal;
    for (const [ms, signal] of [[60_000, aborted], [0, live], [-5, live]] as const) {
      let done = false;
      void sleep(ms, signal).then(() => (done = true));
      expect(vi.getTimerCount()).toBe(0);
      await Promise.resolve();
      await Promise.resolve();
      expect(done).toBe(true);
    }
  });

  it('resolves after its time or at the abort, whichever comes first, and leaves no listener or timer behind', async () => {
    const controller = new AbortController();
    let first = false;
    void sleep(1_000, controller.signal).then(() => (first = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(first).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(first).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    let second = false;
    void sleep(60_000, controller.signal).then(() => (second = true));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(second).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
