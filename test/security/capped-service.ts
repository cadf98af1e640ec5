import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';
import { dataBytes } from '../../examples/limits/storage-cap.js';
import { startService, type RunningService } from '../service/service-process.js';

const root = resolve(import.meta.dirname, '../..');

/** A reference service whose data directory cap (DATA_MAX_BYTES) sits a given room above its own files. */
export interface CappedService {
  /** The service's data directory, its own for this describe block. */
  dataDir: string;
  /**
   * Starts the service once uncapped and stops it, so its own files at start (queue and service
   * databases; the write-ahead logs are gone once it stopped) are the baseline, then starts it with
   * `DATA_MAX_BYTES` = baseline + `roomBytes`. Resolves with the running service and its cap.
   */
  start(env: Record<string, string>, roomBytes: number): Promise<{ service: RunningService; cap: number }>;
}

/** Call inside a describe block: the service is stopped and its directory removed after the block. */
export function cappedServiceForTests(prefix: string): CappedService {
  const dataDir = mkdtempSync(join(tmpdir(), `errand-${prefix}-`));
  let running: RunningService | undefined;
  afterAll(async () => {
    try {
      await running?.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  return {
    dataDir,
    async start(env, roomBytes) {
      running = await startService({ cwd: root, dataDir, fromSource: true, env: { ...env, DATA_MAX_BYTES: '0' } });
      await running.stop();
      const cap = (await dataBytes(dataDir)) + roomBytes;
      running = await startService({ cwd: root, dataDir, fromSource: true, env: { ...env, DATA_MAX_BYTES: String(cap) } });
      return { service: running, cap };
    },
  };
}
