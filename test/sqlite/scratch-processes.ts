import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/**
 * A fresh directory per test and the child processes a test starts, killed and removed after
 * each test: the SQLite lock-wait tests (a process holding the file's write lock beside the one
 * under test) share this setup.
 */
export function scratchProcesses(prefix: string): { dir: () => string; children: ChildProcess[] } {
  const children: ChildProcess[] = [];
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir: () => dir, children };
}
