import { describe, expect, it } from 'vitest';
import { LazyAbort } from './lazy-abort.js';

describe('LazyAbort', () => {
  it('is not aborted, and has no reason, until aborted', () => {
    const work = new LazyAbort();
    expect([work.aborted, work.reason, work.signal.aborted]).toEqual([false, undefined, false]);
  });

  it('aborts a signal already read, with the reason', () => {
    const work = new LazyAbort();
    const signal = work.signal;
    const reason = new Error('timeout');
    expect(work.abort(reason)).toBe(true);
    expect([work.aborted, work.reason, signal.aborted, signal.reason]).toEqual([true, reason, true, reason]);
    expect(work.signal).toBe(signal);
  });

  it('gives a signal read after the abort that is born aborted with the reason', () => {
    const work = new LazyAbort();
    const reason = new Error('cancelled');
    work.abort(reason);
    expect(work.signal.aborted).toBe(true);
    expect(work.signal.reason).toBe(reason);
  });

  it('keeps the first reason: a later abort answers false and changes nothing', () => {
    const work = new LazyAbort();
    const first = new Error('first');
    work.abort(first);
    expect(work.abort(new Error('second'))).toBe(false);
    expect(work.reason).toBe(first);
    expect(work.signal.reason).toBe(first);
  });
});
