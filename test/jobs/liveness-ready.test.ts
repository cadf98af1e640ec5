import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLiveness } from '../../src/jobs/worker-liveness.js';

const dir = mkdtempSync(join(tmpdir(), 'errand-liveness-ready-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/*
 * A worker claims once its liveness is `ready`. That must be the thread's own first beat: the main
 * thread's first record is renewed by nothing once a claimed job's synchronous handler blocks the
 * main thread, and the job was taken back `ttlMs` later from a live worker (seen in
 * test/postgres/crash.test.ts on a loaded machine, where the thread took seconds to boot).
 */
describe('startLiveness', () => {
  it('is ready at the thread’s own first beat, not at the record written from the main thread while the thread boots', async () => {
    const file = join(dir, 'beats.log');
    const errors: Error[] = [];
    const liveness = startLiveness({
      spec: { moduleUrl: new URL('./fixtures/recording-liveness-writer.ts', import.meta.url).href, config: { file, threadDelayMs: 3_000 } },
      workerId: 'w-ready',
      intervalMs: 100,
      ttlMs: 1_000,
      firstTtlMs: 1_000,
      onError: (error) => errors.push(error),
    });
    try {
      await liveness.ready;
      // The main thread's record comes first almost always (the thread boots, then waits 3 s), but
      // which one is first is not the point: ready must imply that the thread itself has beaten.
      const beats = readFileSync(file, 'utf8').trim().split('\n');
      expect(beats).toContain('thread');
      expect(liveness.beating).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await liveness.stop();
    }
  });
});
