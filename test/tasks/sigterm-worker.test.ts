import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { createSqliteBackend } from '../../src/backends/sqlite/index.js';
import { createQueue } from '../../src/jobs/queue.js';

const fixture = fileURLToPath(new URL('./fixtures/shutdown-worker-server.ts', import.meta.url));

let child: ChildProcess | undefined;
let dir: string | undefined;

afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

interface Line {
  event?: string;
  id?: string;
  code?: number;
}

it('on SIGTERM, releases the job the in-process worker is running (back to queued, attempt not counted) before it exits', async () => {
  dir = mkdtempSync(join(tmpdir(), 'errand-shutdown-'));
  const dbPath = join(dir, 'jobs.db');
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DB_PATH: dbPath, SHUTDOWN_MS: '3000' } });
  child = proc;
  const lines: Line[] = [];
  let stderr = '';
  let buffered = '';
  let wake: () => void = () => {};
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as Line);
    wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = async (event: string): Promise<Line> => {
    for (;;) {
      const found = lines.find((line) => line.event === event);
      if (found !== undefined) return found;
      if (proc.exitCode !== null) throw new Error(`the fixture exited before "${event}": ${stderr}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };

  const { id } = await waitFor('listening');
  await waitFor('job-started');
  const signalledAt = Date.now();
  proc.kill('SIGTERM');
  const exit = await exited;
  const tookMs = Date.now() - signalledAt;
  expect(exit, stderr).toEqual({ code: 0, signal: null });
  // Within its 3 s deadline (plus process start-up slack on a loaded machine), not after the 20 s job.
  expect(tookMs).toBeLessThan(15_000);

  const backend = createSqliteBackend({ path: dbPath });
  try {
    const job = await createQueue({ backend }).get(id!);
    expect(job).toMatchObject({ state: 'queued', attempts: 0 });
  } finally {
    await backend.close();
  }
}, 60_000);
