import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'errand/errors';

/** Options of {@link createStorageCap}. */
export interface StorageCapOptions {
  /** The data directory; the regular files directly in it are counted (not uploads/). */
  dir: string;
  /** Bytes they may add up to; 0 turns the cap off. @default 1_073_741_824 */
  maxBytes: number;
  /**
   * How long one measurement is reused. With 0 every request is measured against the files as they
   * are, requests arriving while a measurement runs sharing it. @default 0
   */
  cacheMs?: number;
}

/**
 * Thrown when the data directory is full: 507 `SERVICE_STORAGE_FULL`. A refusal the service means
 * to explain, not an unexpected failure, so it opts in with `expose`: production sends its detail
 * and code, which errand hides for a 5xx by default.
 */
export class StorageFullError extends HTTPException {
  override name = 'StorageFullError';

  constructor(readonly maxBytes: number) {
    super(507, `the service's data directory holds its limit of ${maxBytes} bytes (DATA_MAX_BYTES); nothing was written`, { code: 'SERVICE_STORAGE_FULL', expose: true });
  }
}

/**
 * The bytes of the regular files directly in `dir` (service.db and its WAL, users.txt, audit.log,
 * the SQLite queue and its liveness file), leaving out SQLite's `-shm` files: a shared-memory index
 * of a fixed 32 KiB each, made while a database is open and no data.
 */
export async function dataBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(entries.filter((entry) => entry.isFile() && !entry.name.endsWith('-shm')).map((entry) => stat(join(dir, entry.name)).then((info) => info.size, () => 0)));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/**
 * Refuses the routes that write to the data directory with 507 `SERVICE_STORAGE_FULL` once its
 * files reach `maxBytes`, before anything is written: one client, or many, cannot fill the disk
 * through the service. Each request is measured against the files as they are (requests arriving
 * while one measurement runs share it: a readdir and a stat per file), and what requests accepted
 * before the cap was reached is still written, so the files may pass it by what is in flight (a
 * 16 KiB body each at most, and the SQLite pages their rows take). A `cacheMs` above 0 reuses a
 * measurement that long, and lets the files pass the cap by what is written meanwhile. Freeing
 * space (rotating audit.log, users.txt) lifts the refusal at the next request.
 *
 * @example
 * app.on('POST', ['/register', '/users', '/orders'], createStorageCap({ dir: config.dataDir, maxBytes: 1 << 30 }))
 */
export function createStorageCap(options: StorageCapOptions): MiddlewareHandler {
  const cacheMs = options.cacheMs ?? 0;
  let measured: { at: number; bytes: Promise<number>; done: boolean } | undefined;
  const measure = (): { at: number; bytes: Promise<number>; done: boolean } => {
    const next = { at: Date.now(), bytes: dataBytes(options.dir), done: false };
    const settle = (): void => {
      next.done = true;
    };
    next.bytes.then(settle, settle);
    return next;
  };
  return async function storageCap(c, next) {
    if (options.maxBytes === 0) return next();
    // A measurement still running is shared; a finished one is reused only within cacheMs.
    if (measured === undefined || (measured.done && Date.now() - measured.at >= cacheMs)) measured = measure();
    if ((await measured.bytes) >= options.maxBytes) {
      throw new StorageFullError(options.maxBytes);
    }
    return next();
  };
}
