import { describe, expect, it } from 'vitest';
import { decideDedupe, jobDedupeOf } from './dedupe.js';
import type { NewJob } from './job.js';

const job = (dedupe?: NewJob['dedupe']): NewJob => ({ id: 'new', task: 't', payload: 2, runAt: 0, priority: 0, maxAttempts: 1, createdAt: 0, key: 'k', ...(dedupe === undefined ? {} : { dedupe }) });

describe('dedupe options', () => {
  it('accepts the bounds: a debounce of 0 ms, and maxDelayMs equal to delayMs', () => {
    expect(jobDedupeOf({ debounce: { delayMs: 0 } })).toEqual({ mode: 'debounce', delayMs: 0 });
    expect(jobDedupeOf({ debounce: { delayMs: 500, maxDelayMs: 500 } })).toEqual({ mode: 'debounce', delayMs: 500, maxDelayMs: 500 });
  });

  it('refuses what is not a mode, a debounce that is not an object included', () => {
    const notAMode = /^enqueue: dedupe must be 'active', 'queued', 'replace' or \{ debounce: \{ delayMs, maxDelayMs\? \} \}, got /;
    expect(() => jobDedupeOf({ debounce: 500 } as never)).toThrow(notAMode);
    expect(() => jobDedupeOf('sometimes' as never)).toThrow(notAMode);
    expect(() => jobDedupeOf({ debounce: { delayMs: 500, maxDelayMs: 499 } })).toThrow(RangeError);
  });
});

describe('decideDedupe', () => {
  it("a debounced job already due keeps its run time, even when it fell due this very ms", () => {
    const waiting = { id: 'old', started: false, runAt: 1_000, createdAt: 0 };
    expect(decideDedupe(job({ mode: 'debounce', delayMs: 300 }), [waiting], 1_000)).toEqual({ action: 'replace', id: 'old', runAt: 1_000 });
    expect(decideDedupe(job({ mode: 'debounce', delayMs: 300 }), [waiting], 999)).toEqual({ action: 'replace', id: 'old', runAt: 1_299 });
  });
});
