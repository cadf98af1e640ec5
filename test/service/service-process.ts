/**
 * Starts the reference service as a child process exactly as the README says (`node
 * dist/examples/server.js`, what `npm start` runs after building), on a free port and a temporary
 * data directory, and stops it with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RunningService {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The service's process id (the primary's under `--workers`). */
  pid: number;
  /** Everything the service printed so far (stdout and stderr). */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code once stdout and stderr are closed. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  cwd: string;
  dataDir: string;
  args?: string[];
  env?: Record<string, string>;
  /** @default 60_000 */
  startTimeoutMs?: number;
  /**
   * Runs `examples/server.ts` through tsx instead of the build (`--conditions=errand-source`, so its
   * `errand/...` imports resolve to `src/`): for tests of one behaviour, which must not rebuild
   * `dist/` while another test file runs it. @default false
   */
  fromSource?: boolean;
}

export function startService(options: StartOptions): Promise<RunningService> {
  const entry = options.fromSource === true ? ['--conditions=errand-source', '--import', 'tsx', 'examples/server.ts'] : ['dist/examples/server.js'];
  const child = spawn(process.execPath, [...entry, ...(options.args ?? [])], {
    cwd: options.cwd,
    // Its own process group, so teardown can kill a cluster whose primary hung.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SMTP_SINK_PORT: '0', ERRAND_DATA_DIR: options.dataDir, LOG_LEVEL: 'warn', ...options.env },
  });
  let output = '';
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise<RunningService>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(child, closed).then(() => reject(new Error(`the service did not start in time; it printed:\n${output}`)));
    }, options.startTimeoutMs ?? 60_000);
    void closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited with ${code} before it was ready; it printed:\n${output}`));
    });
    const lines = createInterface({ input: child.stdout });
    let url: string | undefined;
    lines.on('line', (line) => {
      output += `${line}\n`;
      url ??= /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (url !== undefined && /\bready\b/.test(line)) {
        clearTimeout(timer);
        const base = url;
        resolve({ url: base, pid: child.pid!, output: () => output, stop: () => stop(child, closed) });
      }
    });
  });
}

async function stop(child: ChildProcess, closed: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), 15_000);
    void closed.then(() => clearTimeout(timer));
  });
  const first = await Promise.race([closed, timeout]);
  if (first !== 'timeout') return first;
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  await closed;
  throw new Error('the service did not stop within 15 s of SIGTERM and was killed');
}
