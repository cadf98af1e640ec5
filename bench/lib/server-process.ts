import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinning } from './pinning.js';

/** How to start one server under test. */
export interface ServerSpec {
  /** Label in tables, e.g. `errand/hono`. */
  system: string;
  command: string;
  args: string[];
  /** Extra environment; `PORT` is added. */
  env?: Record<string, string>;
}

/** A running server under test. */
export interface RunningServer {
  system: string;
  /** e.g. `http://127.0.0.1:40123`. */
  url: string;
  pid: number;
  /** CPU seconds (user + system, all threads) the server has used so far; `NaN` off Linux. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const ticksPerSecond = 100; // USER_HZ: 100 on every Linux architecture node runs on.

/**
 * CPU seconds used by `pid`, from /proc/<pid>/stat (utime + stime, which cover all its threads).
 * taskset execs the command, so the child's pid is the server's own.
 */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** Asks the kernel for a free port; the small race before the child binds it is acceptable here. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}:\n${output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(500) }).then((r) => r.arrayBuffer());
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`did not answer within ${timeoutMs} ms:\n${output()}`);
}

/** Starts `spec` pinned to core 0 on a free port and resolves once it answers HTTP. */
export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const port = await freePort();
  const [command, args] = pinning().wrap(0, spec.command, spec.args);
  const child = spawn(command, args, {
    env: { ...process.env, NODE_ENV: 'production', ...spec.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(forced);
  };
  try {
    await waitUntilUp(url, child, () => log, 20_000);
  } catch (error) {
    await stop();
    throw new Error(`${spec.system} server ${error instanceof Error ? error.message : String(error)}`);
  }
  const pid = child.pid ?? -1;
  return { system: spec.system, url, pid, cpuSeconds: () => processCpuSeconds(pid), stop };
}

/** A system under test, or why it cannot run on this machine. */
export type SystemChoice = { spec: ServerSpec; notice?: string } | { skipped: string };
