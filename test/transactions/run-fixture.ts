import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A fixture child process: `until(event)` resolves with that JSON line; `kill9()` kills it and waits for its exit. */
export interface FixtureProcess {
  child: ChildProcess;
  until(event: string): Promise<Record<string, unknown>>;
  kill9(): Promise<void>;
}

/** Starts `node --import tsx <fixture>` with `env` added, reading its JSON lines. */
export function runFixture(fixture: string, env: Record<string, string>): FixtureProcess {
  const path = fileURLToPath(new URL(fixture, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', path], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: Record<string, unknown>[] = [];
  const waiting: { event: string; resolve: (line: Record<string, unknown>) => void; reject: (error: Error) => void }[] = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const settle = (): void => {
    for (const waiter of waiting.splice(0)) {
      const line = seen.find((entry) => entry.event === waiter.event);
      if (line !== undefined) waiter.resolve(line);
      else if (child.exitCode !== null || child.signalCode !== null) waiter.reject(new Error(`fixture exited before "${waiter.event}": ${stderr}`));
      else waiting.push(waiter);
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) seen.push(JSON.parse(line) as Record<string, unknown>);
    settle();
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  child.once('exit', settle);
  return {
    child,
    until: (event) => new Promise((resolve, reject) => {
      waiting.push({ event, resolve, reject });
      settle();
    }),
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
