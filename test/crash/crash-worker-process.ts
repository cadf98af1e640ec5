import { spawn, type ChildProcess } from 'node:child_process';
import { fixtureCommand } from '../support/fixture-command.js';

/** What a crash worker process reports on stdout. */
export type CrashEvent = { event: 'ready'; pid: number } | { event: 'started' | 'succeeded'; jobId: string; attempt: number };

const fixture = new URL('./crash-worker.fixture.ts', import.meta.url);

/**
 * One worker child process of a crash run, with what the parent knows of it: the jobs it is
 * running (from its `started`/`succeeded` lines) and a promise of its exit.
 */
export class CrashWorkerProcess {
  readonly child: ChildProcess;
  /** Jobs this process is running: id → attempt and when it started (parent clock). */
  readonly running = new Map<string, { attempt: number; startedAt: number }>();
  readonly exited: Promise<number | null>;
  killed = false;
  /** Set once the worker reported that it is claiming. */
  ready = false;
  stderr = '';

  constructor(env: NodeJS.ProcessEnv, onEvent: (event: CrashEvent, worker: CrashWorkerProcess) => void) {
    this.child = spawn(process.execPath, fixtureCommand(fixture), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    let buffered = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (line.startsWith('{')) this.#handle(JSON.parse(line) as CrashEvent, onEvent);
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      // Keep the tail only: enough to explain a crash of the fixture itself.
      this.stderr = (this.stderr + chunk.toString()).slice(-4_000);
    });
  }

  #handle(event: CrashEvent, onEvent: (event: CrashEvent, worker: CrashWorkerProcess) => void): void {
    if (event.event === 'ready') this.ready = true;
    if (event.event === 'started') this.running.set(event.jobId, { attempt: event.attempt, startedAt: performance.now() });
    if (event.event === 'succeeded') this.running.delete(event.jobId);
    onEvent(event, this);
  }

  /** kill -9: no handler, no cleanup, no release. */
  killNow(): void {
    this.killed = true;
    this.child.kill('SIGKILL');
  }

  /** Graceful stop (the fixture stops its worker and closes the backend on SIGTERM). */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
