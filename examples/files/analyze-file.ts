import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** What the upload job computes about a file. */
export interface FileAnalysis {
  bytes: number;
  sha256: string;
  /** Newline-terminated lines, plus a last line without a newline. */
  lines: number;
  /** Runs of non-white-space characters (UTF-8 aware for ASCII white space). */
  words: number;
  /**
   * For CSV files: data rows (records after the header; a line break inside a quoted field does not
   * end a record, blank lines are not records) and columns (of the header).
   */
  csv?: { rows: number; columns: number };
}

/**
 * Counts CSV records (RFC 4180) and the header's columns one byte at a time, inside the file's
 * single pass: a line feed ends a record only outside double quotes (an escaped `""` toggles
 * twice), a record of nothing but `\r` is a blank line, and the header is the first record that is
 * not blank, whose commas outside quotes separate its columns (a quoted line break or comma in a
 * header name is part of the name).
 */
class CsvShapeCounter {
  #records = 0;
  #quoted = false;
  #hasContent = false;
  #headerColumns = 1;

  step(byte: number): void {
    if (byte === 0x22) {
      this.#quoted = !this.#quoted;
      this.#hasContent = true;
    } else if (byte === 0x0a && !this.#quoted) {
      if (this.#hasContent) this.#records += 1;
      this.#hasContent = false;
    } else if (byte !== 0x0d) {
      this.#hasContent = true;
      if (byte === 0x2c && !this.#quoted && this.#records === 0) this.#headerColumns += 1;
    }
  }

  /** Data rows and header columns once the input ended (a last record without a line break counts). */
  end(): { rows: number; columns: number } {
    const records = this.#records + (this.#hasContent ? 1 : 0);
    return records === 0 ? { rows: 0, columns: 0 } : { rows: records - 1, columns: this.#headerColumns };
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/**
 * Streams a file once and computes its size, SHA-256, lines and words, and for CSV its rows and
 * columns. Memory stays flat whatever the file size. `onProgress` gets a percentage now and then.
 *
 * @example
 * const { sha256 } = await analyzeFile('data/uploads/report.csv', { csv: true });
 */
export async function analyzeFile(
  path: string,
  options: { csv?: boolean; signal?: AbortSignal; onProgress?: (percent: number) => void; size?: number } = {},
): Promise<FileAnalysis> {
  const hash = createHash('sha256');
  let bytes = 0;
  let lines = 0;
  let words = 0;
  let inWord = false;
  let lastByte = 0x0a;
  let lastReported = -1;
  const shape = options.csv === true ? new CsvShapeCounter() : undefined;
  const stream = createReadStream(path, options.signal === undefined ? {} : { signal: options.signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    for (let index = 0; index < chunk.length; index += 1) {
      const byte = chunk[index] ?? 0;
      if (byte === 0x0a) lines += 1;
      shape?.step(byte);
      const space = isSpace(byte);
      if (!space && !inWord) words += 1;
      inWord = !space;
    }
    lastByte = chunk[chunk.length - 1] ?? lastByte;
    const percent = options.size ? Math.floor((bytes / options.size) * 100) : -1;
    if (percent >= lastReported + 25) {
      lastReported = percent;
      options.onProgress?.(percent);
    }
  }
  if (bytes > 0 && lastByte !== 0x0a) lines += 1;
  const result: FileAnalysis = { bytes, sha256: hash.digest('hex'), lines, words };
  if (shape !== undefined) result.csv = shape.end();
  return result;
}
