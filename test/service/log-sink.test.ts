/**
 * The reference service's exit must not depend on its log sink. A real child process logs to
 * pipes whose reading ends are closed, or never read, and gets SIGTERM: it exits within its
 * shutdown deadline (10 s for requests, 10 s for jobs), whatever happened to the logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const deadlineMs = 30_000;

interface Started {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

let started: Started | undefined;
let dataDir: string | undefined;

afterEach(() => {
  if (started !== undefined && started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
  // The pipes this test stopped reading: let them go.
  started?.child.stdout?.destroy();
  started?.child.stderr?.destroy();
  started = undefined;
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** Starts the service with stdout and stderr on pipes, logging every request error (LOG_LEVEL=debug). */
async function startLogging(): Promise<Started> {
  dataDir = mkdtempSync(join(tmpdir(), 'errand-log-sink-'));
  const child = spawn(process.execPath, ['--conditions=errand-source', '--import', 'tsx', 'examples/server.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SMTP_SINK_PORT: '0', ERRAND_DATA_DIR: dataDir, LOG_LEVEL: 'debug', NODE_ENV: 'production', ERRAND_DASHBOARD_TOKEN: 'tok' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let printed = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      printed += chunk.toString();
      const found = /listening on (http:\/\/\S+)[\s\S]*\bready\b/.exec(printed);
      if (found !== null) {
        child.stdout.off('data', onData);
        resolve(found[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    void exited.then((code) => reject(new Error(`the service exited with ${code} before it was ready:\n${printed}`)));
  });
  return { child, url, exited };
}

/** Requests that each log a line (404s logged at the client-error level, debug on). */
async function makeLogs(url: string, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 25) {
    await Promise.all(Array.from({ length: 25 }, (_, index) => fetch(`${url}/nope/${'x'.repeat(200)}/${sent + index}`).then((response) => response.arrayBuffer())));
  }
}

async function exitsAfterSigterm(service: Started): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  service.child.kill('SIGTERM');
  const timeout = new Promise<'hung'>((resolve) => {
    const timer = setTimeout(() => resolve('hung'), deadlineMs);
    void service.exited.then(() => clearTimeout(timer));
  });
  const code = await Promise.race([service.exited, timeout]);
  return { code: code === 'hung' ? -1 : code, ms: Date.now() - sent };
}

describe('the service exits on SIGTERM whatever its log sink does', () => {
  it('when the reader of stdout and stderr went away while they were full (EPIPE)', async () => {
    started = await startLogging();
    started.child.stdout!.pause();
    started.child.stderr!.pause();
    await makeLogs(started.url, 2_000);
    started.child.stdout!.destroy();
    started.child.stderr!.destroy();
    await makeLogs(started.url, 200);
    const { code } = await exitsAfterSigterm(started);
    expect(code).toBe(0);
  });

  it('when nobody reads stdout and stderr and the pipes are full (EAGAIN)', async () => {
    started = await startLogging();
    started.child.stdout!.pause();
    started.child.stderr!.pause();
    // ~300-byte lines: 2,000 of them are far past a pipe's 64 KiB.
    await makeLogs(started.url, 2_000);
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
    const { code } = await exitsAfterSigterm(started);
    expect(code).toBe(0);
  });
});
