import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { send } from './http-client.js';

const fixture = fileURLToPath(new URL('./fixtures/sigterm-server.ts', import.meta.url));

interface Line {
  event?: string;
  id?: string;
  port?: number;
  code?: number;
  msg?: string;
  report?: {
    requests: { finished: number; aborted: number };
    tasks: { finished: number; interrupted: { task: string }[]; dropped: unknown[]; enqueued: unknown[] };
  };
}

let child: ChildProcess | undefined;

afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** Starts the fixture; `lines` fills as it prints, `waitFor` resolves on the first matching line. */
function start() {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SHUTDOWN_MS: '2500' } });
  child = proc;
  const lines: Line[] = [];
  const waiters: { match: (line: Line) => boolean; resolve: (line: Line) => void }[] = [];
  let buffered = '';
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const part of parts) {
      if (part.trim() === '') continue;
      const line = JSON.parse(part) as Line;
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (match: (line: Line) => boolean) =>
    new Promise<Line>((resolve) => {
      const found = lines.find(match);
      if (found) resolve(found);
      else waiters.push({ match, resolve });
    });
  return { proc, lines, waitFor, exited, stderr: () => stderr };
}

it('on SIGTERM, finishes in-flight requests and their tasks, reports the task it could not finish, and exits 0', async () => {
  const server = start();
  const { port } = await server.waitFor((l) => l.event === 'listening');
  for (const id of ['1', '2', '3']) expect((await send(port!, `/work/${id}`, { method: 'POST' })).status).toBe(202);
  expect((await send(port!, '/stuck', { method: 'POST' })).status).toBe(202);
  await server.waitFor((l) => l.event === 'task-start' && l.id === '3');
  const slow = send(port!, '/slow-response', { method: 'POST' });
  await server.waitFor((l) => l.event === 'request-started');

  server.proc.kill('SIGTERM');
  const slowResponse = await slow;
  const { code, signal } = await server.exited;

  expect({ code, signal, stderr: server.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  expect(slowResponse.status).toBe(200);
  expect(slowResponse.headers.connection).toBe('close');
  const events = server.lines.map((l) => (l.event === undefined ? `log: ${l.msg}` : `${l.event}${l.id === undefined ? '' : ` ${l.id}`}`));
  const exitAt = events.indexOf('exit');
  expect(exitAt).toBe(events.length - 1);
  // Every task either finished before the exit…
  for (const id of ['1', '2', '3', 'slow']) {
    const doneAt = events.indexOf(`task-done ${id}`);
    expect(doneAt, `task ${id} finished`).toBeGreaterThan(-1);
    expect(doneAt).toBeLessThan(exitAt);
  }
  // …or was named in the shutdown report, logged before the exit.
  expect(events).not.toContain('task-done stuck');
  const reportLine = server.lines.find((l) => l.msg?.startsWith('shutdown complete') === true);
  expect(server.lines.indexOf(reportLine!)).toBeLessThan(exitAt);
  expect(reportLine!.report).toMatchObject({
    requests: { finished: 1, aborted: 0 },
    tasks: { interrupted: [{ task: 'stuck' }], dropped: [], enqueued: [] },
  });
  expect(reportLine!.report!.tasks.finished).toBeGreaterThanOrEqual(1);
});
