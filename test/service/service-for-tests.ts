import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startService, type RunningService, type StartOptions } from './service-process.js';

const root = resolve(import.meta.dirname, '../..');

/** The service of a test file or describe block, and its data directory. */
export interface ServiceForTests extends RunningService {
  /** Its `ERRAND_DATA_DIR`, a fresh temporary directory removed after the tests. */
  readonly dataDir: string;
}

/** What {@link serviceForTests} takes: {@link StartOptions} without the paths, and more teardown. */
export interface ServiceForTestsOptions extends Omit<StartOptions, 'cwd' | 'dataDir'> {
  /** Runs after the service stopped and its directory was removed (a Redis prefix to delete). */
  cleanup?: () => Promise<unknown>;
}

/**
 * Starts the reference service once before the enclosing file's (or describe block's) tests, in a
 * fresh data directory named after `name`, and stops it and removes the directory after them. Read
 * its fields inside tests and hooks: they exist once the service is up.
 */
export function serviceForTests(name: string, options: ServiceForTestsOptions = {}): ServiceForTests {
  const { cleanup, ...start } = options;
  let running: RunningService | undefined;
  let dataDir: string | undefined;
  const started = (): { running: RunningService; dataDir: string } => {
    if (running === undefined || dataDir === undefined) throw new Error(`the ${name} service is not started: read it inside a test or hook`);
    return { running, dataDir };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `errand-${name}-`));
    running = await startService({ ...start, cwd: root, dataDir });
  }, 90_000);

  afterAll(async () => {
    try {
      await running?.stop();
    } finally {
      if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
      await cleanup?.();
    }
  });

  return {
    get url() {
      return started().running.url;
    },
    get pid() {
      return started().running.pid;
    },
    output: () => started().running.output(),
    stop: () => started().running.stop(),
    get dataDir() {
      return started().dataDir;
    },
  };
}
