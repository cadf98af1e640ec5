import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Appends whole lines to one file so that lines never interleave and none is lost, whether the
 * writers are many tasks in one process or several `--workers` processes:
 *
 * - inside a process, appends are chained one after another (one writer per file);
 * - across processes, the file is opened with O_APPEND and each line goes out in a single
 *   `write()` call, which the kernel positions at the end of the file atomically.
 *
 * @example
 * const users = new LineWriter('data/users.txt');
 * await users.append(JSON.stringify({ name: 'Ada' }));
 */
export class LineWriter {
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  /** Appends `line` plus a newline; resolves once the bytes are in the file. */
  append(line: string): Promise<void> {
    if (line.includes('\n')) throw new Error('LineWriter.append takes one line without newlines');
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    const written = this.#tail.then(() => this.#write(bytes));
    // The chain must survive a failed append, or every later line would be lost with it.
    this.#tail = written.catch(() => undefined);
    return written;
  }

  async #write(bytes: Buffer): Promise<void> {
    this.#handle ??= mkdir(dirname(this.path), { recursive: true }).then(() => open(this.path, 'a'));
    const handle = await this.#handle;
    const { bytesWritten } = await handle.write(bytes, 0, bytes.length);
    // A short write would let another process's line land in the middle of this one: refuse it loudly.
    if (bytesWritten !== bytes.length) throw new Error(`short write to ${this.path}: ${bytesWritten} of ${bytes.length} bytes`);
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    await this.#tail;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle !== undefined) await (await handle).close();
  }
}
