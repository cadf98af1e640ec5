import { spawn, type ChildProcess } from 'node:child_process';
import { fixtureCommand } from './fixture-command.js';

/** A fixture process started by {@link spawnJsonLines}. */
export interface JsonLineProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (`null` when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/**
 * Starts `node --import tsx <fixture>` (or its compiled copy: see fixtureCommand) with `env` added
 * to this process's environment and hands each JSON line it prints on stdout to `onLine` (other
 * lines are ignored; stderr is inherited).
 * The child is pushed to `children`, for the test's teardown to kill.
 */
export function spawnJsonLines<Line>(fixture: URL, env: NodeJS.ProcessEnv, onLine: (line: Line) => void, children: ChildProcess[]): JsonLineProcess {
  const child = spawn(process.execPath, fixtureCommand(fixture), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.startsWith('{')) onLine(JSON.parse(line) as Line);
    }
  });
  return { child, exited };
}

/** Polls `check` every 50 ms; throws `timed out waiting for <what>` after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
