import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes the files of `dir` last modified more than `retentionMs` ago and resolves with how many
 * it removed (0 when `retentionMs` is 0, or when `dir` does not exist yet). Each upload's job reads
 * its file within seconds, after which the file is only disk use. A file still being written is
 * never old: its modification time moves with every chunk. A file removed meanwhile by another
 * sweep is skipped.
 *
 * @example
 * const removed = await sweepOldFiles('data/uploads', 86_400_000)
 */
export async function sweepOldFiles(dir: string, retentionMs: number): Promise<number> {
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
  return removed;
}

/** How often uploads are swept by default: half the retention, between 1 s and 10 min. */
export function defaultSweepIntervalMs(retentionMs: number): number {
  return Math.min(Math.max(retentionMs / 2, 1_000), 10 * 60_000);
}
