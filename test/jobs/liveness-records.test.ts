import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { startLiveness, type Liveness } from '../../src/jobs/worker-liveness.js';
import { eventually, sleep } from '../../src/testing/conformance-helpers.js';

// startLiveness with a real worker thread and the scripted writer of test/jobs/fixtures, which logs
// every record it writes: which thread writes which record, with what validity, and what is
// reported when either side fails. The assertions are about the main thread's side.

const dir = mkdtempSync(join(tmpdir(), 'errand-liveness-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const moduleUrl = new URL('./fixtures/scripted-liveness-writer.ts', import.meta.url).href;

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

function start(name: string, config: { threadDelayMs?: number; mainBeatDelayMs?: number; fail?: string }, errors: string[]): { liveness: Liveness; file: string } {
  const file = join(dir, `${name}.log`);
  const liveness = startLiveness({ spec: { moduleUrl, config: { file, mainThreadId: threadId, ...config } }, workerId: name, intervalMs: 100, ttlMs: 2_000, firstTtlMs: 7_000, onError: (error) => errors.push(error.message) });
  return { liveness, file };
}

describe('startLiveness', () => {
  it('writes the first record from the main thread, renews it there until the thread beats, then leaves it to the thread, which forgets it at stop', async () => {
    const errors: string[] = [];
    const { liveness, file } = start('w-records', { threadDelayMs: 1_500 }, errors);
    try {
      expect(liveness.beating).toBe(false);
      // Beating from the main thread's first record on, before the thread's own.
      await eventually(() => expect(liveness.beating).toBe(true));
      expect(lines(file).filter((line) => line.startsWith('thread'))).toEqual([]);
      await liveness.ready;
      expect(liveness.beating).toBe(true);
      const seen = lines(file).filter((line) => line !== 'main close');
      const firstThread = seen.indexOf('thread beat 2000');
      expect(firstThread).toBeGreaterThan(1);
      // The first record is valid for firstTtlMs, the main thread's renewals for ttlMs.
      expect(seen[0]).toBe('main beat 7000');
      expect(seen.slice(1, firstThread).every((line) => line === 'main beat 2000')).toBe(true);
      // Once the thread beats, the main thread writes no more records.
      await eventually(() => expect(lines(file).filter((line) => line === 'thread beat 2000').length).toBeGreaterThanOrEqual(6));
      const later = lines(file);
      const threadBeats = later.flatMap((line, index) => (line === 'thread beat 2000' ? [index] : []));
      expect(later.slice(threadBeats[2]).filter((line) => line.startsWith('main'))).toEqual([]);
    } finally {
      const stopping = liveness.stop();
      expect(liveness.beating).toBe(false);
      expect(liveness.stop()).toBe(stopping);
      await stopping;
    }
    expect(liveness.beating).toBe(false);
    expect(lines(file).slice(-2)).toEqual(['thread forget w-records', 'thread close']);
    // Each record written from the main thread on a writer of its own, closed after.
    const all = lines(file);
    expect(all.filter((line) => line === 'main close').length).toBe(all.filter((line) => line.startsWith('main beat')).length);
    expect(errors).toEqual([]);
  });

  it('writes no record once stop() resolved, even one the main thread had begun before', async () => {
    const errors: string[] = [];
    // The thread is still booting and the main thread's first record takes a second to write when stop() is called.
    const { liveness, file } = start('w-late-record', { threadDelayMs: 30_000, mainBeatDelayMs: 1_000 }, errors);
    await liveness.stop();
    const atStop = lines(file);
    await sleep(1_500);
    expect(lines(file)).toEqual(atStop);
    expect(liveness.beating).toBe(false);
    expect(errors).toEqual([]);
  });

  it('reports the thread’s failing beats with the worker id, and is not ready while they fail', async () => {
    const errors: string[] = [];
    const { liveness, file } = start('w-refused', { fail: 'thread-beat' }, errors);
    let ready = false;
    void liveness.ready.then(() => (ready = true));
    try {
      await eventually(() => expect(errors.length).toBeGreaterThanOrEqual(2));
      expect(new Set(errors)).toEqual(new Set(['liveness thread of worker w-refused: thread beat refused']));
      expect(ready).toBe(false);
      expect(lines(file).filter((line) => line.startsWith('thread beat'))).toEqual([]);
    } finally {
      await liveness.stop();
    }
    expect(lines(file).slice(-2)).toEqual(['thread forget w-refused', 'thread close']);
  });

  it('gives up when the thread cannot make its writer: reports it, ready, and not beating', async () => {
    const errors: string[] = [];
    // The main thread's first record is written after the thread gave up.
    const { liveness, file } = start('w-unreachable', { fail: 'thread-create', mainBeatDelayMs: 1_000 }, errors);
    try {
      await liveness.ready;
      await eventually(() => expect(errors).toContain('liveness thread of worker w-unreachable: no connection'));
      await eventually(() => expect(lines(file)).toContain('main close'));
      await sleep(50);
      expect(liveness.beating).toBe(false);
    } finally {
      await liveness.stop();
    }
  });

  it('reports a thread that crashed, and gives up', async () => {
    const errors: string[] = [];
    const { liveness } = start('w-crash', { fail: 'thread-crash' }, errors);
    try {
      await liveness.ready;
      await eventually(() => expect(errors).toContain('thread crashed'));
      await eventually(() => expect(liveness.beating).toBe(false));
    } finally {
      await liveness.stop();
    }
  });

  it('stops within its bound when the thread never answers the stop', async () => {
    const errors: string[] = [];
    const { liveness } = start('w-hung', { fail: 'thread-forget-hangs' }, errors);
    await liveness.ready;
    await liveness.stop();
    expect(liveness.beating).toBe(false);
    expect(errors).toEqual([]);
  });

  it('reports the main thread’s failing records as they are, and still gets ready from the thread', async () => {
    const errors: string[] = [];
    const { liveness, file } = start('w-main-refused', { fail: 'main-beat', threadDelayMs: 500 }, errors);
    try {
      await liveness.ready;
      expect(liveness.beating).toBe(true);
      expect(errors.length).toBeGreaterThan(0);
      expect(new Set(errors)).toEqual(new Set(['main beat refused']));
      expect(lines(file).filter((line) => line.startsWith('main beat'))).toEqual([]);
    } finally {
      await liveness.stop();
    }
  });
});
