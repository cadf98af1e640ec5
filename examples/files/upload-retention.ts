import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** Options of {@link startUploadRetention}. */
export interface UploadRetentionOptions {
  /** The uploads directory. */
  dir: string;
  /** Files older than this (by last modification) are removed; 0 keeps them forever. */
  retentionMs: number;
  /** @default half the retention, between 1 s and 10 min */
  intervalMs?: number;
  logger: Logger;
}

/** A running sweep of the uploads directory. */
export interface UploadRetention {
  /** Removes every file past the retention now; resolves with how many were removed. */
  sweep(): Promise<number>;
  /** Stops the timer (an unfinished sweep finishes on its own). */
  stop(): void;
}

/**
 * Removes uploaded files once they are older than the retention (UPLOAD_RETENTION_SECONDS, a day by
 * default): each upload's job reads its file within seconds, after which the file is only disk
 * use. A plain timer, unref'd so it never keeps the process alive, and stopped on shutdown. A file
 * still being written is never old: its modification time moves with every chunk.
 *
 * @example
 * const retention = startUploadRetention({ dir: 'data/uploads', retentionMs: 86_400_000, logger })
 */
export function startUploadRetention(options: UploadRetentionOptions): UploadRetention {
  const { dir, retentionMs, logger } = options;
  const sweep = async (): Promise<number> => {
    if (retentionMs <= 0) return 0;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return 0; // no upload yet
    }
    const cutoff = Date.now() - retentionMs;
    let removed = 0;
    for (const name of names) {
      const path = join(dir, name);
      try {
        const info = await stat(path);
        if (!info.isFile() || info.mtimeMs > cutoff) continue;
        await rm(path, { force: true });
        removed += 1;
      } catch {
        // Gone meanwhile (another process swept it): nothing to do.
      }
    }
    if (removed > 0) logger.info({ dir, removed, retentionMs }, `removed ${removed} uploads older than the retention`);
    return removed;
  };
  if (retentionMs <= 0) return { sweep, stop: () => undefined };
  const intervalMs = options.intervalMs ?? Math.min(Math.max(retentionMs / 2, 1_000), 10 * 60_000);
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, 'the upload retention sweep failed'));
  }, intervalMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
