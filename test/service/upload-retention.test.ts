/**
 * Uploads are not kept forever: the reference service (a real child process) removes uploaded files
 * past UPLOAD_RETENTION_SECONDS, and its sweep neither keeps the process alive nor outlives SIGTERM.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, multipartBody, postMultipart } from './raw-http.js';
import { startService, type RunningService } from './service-process.js';

const root = resolve(import.meta.dirname, '../..');
let service: RunningService;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'errand-retention-'));
  service = await startService({ cwd: root, dataDir, fromSource: true, env: { UPLOAD_RETENTION_SECONDS: '5' } });
}, 90_000);

afterAll(async () => {
  try {
    await service?.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const stored = (): string[] => {
  try {
    return readdirSync(join(dataDir, 'uploads'));
  } catch {
    return [];
  }
};

describe('upload retention', () => {
  it('removes uploaded files once past UPLOAD_RETENTION_SECONDS, then stops with the service', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, index) => postMultipart(`${service.url}/upload`, multipartBody([{ disposition: `name="file"; filename="f${index}.csv"`, content: 'a,b\n1,2\n' }]))),
    );
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    expect(stored().length).toBeGreaterThan(0);
    // Each job read its file within the retention; what stays after it is only disk use.
    for (const answer of answers) {
      expect(await eventually(async () => ((await (await fetch(`${service.url}/jobs/${String(answer.body.jobId)}`)).json()) as { state: string }).state === 'succeeded')).toBe(true);
    }
    expect(await eventually(() => stored().length === 0, 30_000)).toBe(true);
    expect(await service.stop()).toBe(0);
  });
});
