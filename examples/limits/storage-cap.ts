import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'errand/errors';
import { StorageLedger } from './storage-ledger.js';

/** Options of {@link createStorageCap}. */
export interface StorageCapOptions {
  /** The data directory; the regular files directly in it and in its `uploads/` are counted. */
  dir: string;
  /** Bytes they may add up to; 0 turns the cap off. @default 1_073_741_824 */
  maxBytes: number;
}

/**
 * Thrown when the data directory is full, or an upload would fill it: 507 `SERVICE_STORAGE_FULL`.
 * A refusal the service means to explain, not an unexpected failure, so it opts in with `expose`:
 * production sends its detail and code, which errand hides for a 5xx by default.
 */
export class StorageFullError extends HTTPException {
  override name = 'StorageFullError';

  constructor(
    readonly maxBytes: number,
    /** The bytes the refused request would have written at most; 0 for a request refused because the cap is reached. */
    readonly requestBytes = 0,
  ) {
    super(
      507,
      requestBytes === 0
        ? `the service's data directory holds its limit of ${maxBytes} bytes (DATA_MAX_BYTES); nothing was written`
        : `an upload of up to ${requestBytes} bytes would take the service's data directory past its limit of ${maxBytes} bytes (DATA_MAX_BYTES); nothing was written`,
      { code: 'SERVICE_STORAGE_FULL', expose: true },
    );
  }
}

async function fileBytes(dir: string, keep: (name: string) => boolean): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(entries.filter((entry) => entry.isFile() && keep(entry.name)).map((entry) => stat(join(dir, entry.name)).then((info) => info.size, () => 0)));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/**
 * The bytes of the regular files directly in `dir` (service.db and its WAL, users.txt, audit.log,
 * the SQLite queue and its liveness file) and in `dir/uploads`, leaving out SQLite's `-shm` files: a
 * shared-memory index of a fixed 32 KiB each, made while a database is open and no data.
 */
export async function dataBytes(dir: string): Promise<number> {
  const [own, uploads] = await Promise.all([fileBytes(dir, (name) => !name.endsWith('-shm')), fileBytes(join(dir, 'uploads'), () => true)]);
  return own + uploads;
}

/** The middleware of {@link createStorageCap}. */
export interface StorageCap {
  /** For routes that write a little (a line, a row): refused once the directory holds `maxBytes`. */
  whenFull: MiddlewareHandler;
  /**
   * For a route that writes up to `bytes(c)` bytes (an upload): refused when that much more would
   * take the directory past `maxBytes`; admitted, the bytes stay reserved until the route is done.
   */
  reserving(bytes: (c: Context) => number): MiddlewareHandler;
}

/**
 * Refuses the routes that write to the data directory with 507 `SERVICE_STORAGE_FULL` before they
 * read their body or write anything: one client, or many, cannot fill the disk through the service.
 *
 * Each request is judged against the files as they are, plus the uploads this process is still
 * receiving, counted at their largest ({@link StorageLedger}: requests arriving while one
 * measurement runs share it, a readdir and a stat per file). An upload is admitted only if its
 * largest size fits in what is left, so concurrent uploads cannot pass the cap together, and a
 * refused one writes nothing, so no partial file stays. The small writing routes are refused once
 * the cap is reached; what they accepted before is still written (a 16 KiB body each at most, and
 * the SQLite pages their rows take). Freeing space (rotating audit.log, users.txt; the uploads
 * retention) lifts the refusal at the next request.
 *
 * @example
 * const cap = createStorageCap({ dir: config.dataDir, maxBytes: 1 << 30 })
 * app.on('POST', ['/register', '/users', '/orders'], cap.whenFull)
 * app.post('/upload', cap.reserving(() => 10_485_760), uploadHandler)
 */
export function createStorageCap(options: StorageCapOptions): StorageCap {
  const ledger = new StorageLedger(options.maxBytes, () => dataBytes(options.dir));
  const off = options.maxBytes === 0;
  return {
    whenFull: async function storageCap(c, next) {
      if (off) return next();
      const admission = await ledger.admit(0);
      if (admission === undefined) throw new StorageFullError(options.maxBytes);
      return next();
    },
    reserving(bytes) {
      return async function storageReservation(c, next) {
        if (off) return next();
        const wanted = bytes(c);
        const admission = await ledger.admit(wanted);
        if (admission === undefined) throw new StorageFullError(options.maxBytes, wanted);
        try {
          await next();
        } finally {
          admission.release();
        }
      };
    },
  };
}
