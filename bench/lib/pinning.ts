import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Where each process runs. The server under test gets core 0 and the load generator core 1, so
 * the two never fight for one core and every system gets the same single core to do its work on.
 */
export interface Pinning {
  /** Whether `taskset` is used at all (Linux, taskset installed, two cores or more). */
  enabled: boolean;
  /** Prefixes `command args` so it runs on `core`; unchanged when pinning is off. */
  wrap(core: number, command: string, args: readonly string[]): [string, string[]];
  /** One line for the report, e.g. `server on core 0, load generator on core 1 (taskset)`. */
  describe: string;
}

let cached: Pinning | undefined;

/** Detects taskset and the core count once per run. */
export function pinning(): Pinning {
  if (cached) return cached;
  const cores = availableParallelism();
  const hasTaskset = process.platform === 'linux' && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  const enabled = hasTaskset && cores >= 2;
  cached = {
    enabled,
    wrap: (core, command, args) => (enabled ? ['taskset', ['-c', String(core), command, ...args]] : [command, [...args]]),
    describe: enabled
      ? 'server pinned to core 0, load generator to core 1 (taskset)'
      : `not pinned (${hasTaskset ? `only ${cores} core` : 'taskset not found'}): figures are less stable`,
  };
  return cached;
}
