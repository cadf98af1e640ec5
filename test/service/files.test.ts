import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeFile } from '../../examples/files/analyze-file.js';
import { LineWriter } from '../../examples/files/line-writer.js';
import { receiveUpload } from '../../examples/files/receive-upload.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'errand-files-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function multipart(content: string | Uint8Array<ArrayBuffer>, filename = 'data.csv'): Request {
  const form = new FormData();
  form.append('file', new Blob([content]), filename);
  return new Request('http://local/upload', { method: 'POST', body: form });
}

describe('LineWriter', () => {
  it('keeps every line whole and none lost under 500 concurrent appends', async () => {
    const writer = new LineWriter(join(dir, 'nested', 'users.txt'));
    const long = 'x'.repeat(5_000);
    await Promise.all(Array.from({ length: 500 }, (_, index) => writer.append(JSON.stringify({ index, long }))));
    await writer.close();
    const lines = readFileSync(join(dir, 'nested', 'users.txt'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => (JSON.parse(line) as { index: number }).index).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('refuses a line containing a newline', () => {
    const writer = new LineWriter(join(dir, 'x.txt'));
    expect(() => writer.append('a\nb')).toThrow(/one line/);
  });
});

describe('analyzeFile', () => {
  it('computes bytes, sha256, lines, words and CSV shape', async () => {
    const content = 'name,"city, country",age\nada,"London, UK",36\ngrace,"NYC, US",45';
    writeFileSync(join(dir, 'a.csv'), content);
    const result = await analyzeFile(join(dir, 'a.csv'), { csv: true });
    expect(result).toEqual({
      bytes: Buffer.byteLength(content),
      sha256: createHash('sha256').update(content).digest('hex'),
      lines: 3,
      words: 6, // as wc -w counts them
      csv: { rows: 2, columns: 3 },
    });
  });

  it('counts CSV records, not lines: quoted line breaks, CRLF, blank and trailing lines', async () => {
    const content = 'id,note\r\n1,"two\r\nlines"\r\n\r\n2,"say ""hi""\nthere"\r\n3,plain\r\n\r\n';
    writeFileSync(join(dir, 'b.csv'), content);
    const result = await analyzeFile(join(dir, 'b.csv'), { csv: true });
    expect(result.csv).toEqual({ rows: 3, columns: 2 });
    expect(result.lines).toBe(8); // as wc -l counts them
  });

  it('takes the header from the first record that is not blank, with its quoted line breaks and commas', async () => {
    const content = '\r\n"first\nname","city, country",age\r\nada,"London, UK",36\n';
    writeFileSync(join(dir, 'c.csv'), content);
    expect((await analyzeFile(join(dir, 'c.csv'), { csv: true })).csv).toEqual({ rows: 1, columns: 3 });
  });

  it('counts an empty file as nothing', async () => {
    writeFileSync(join(dir, 'empty.txt'), '');
    expect(await analyzeFile(join(dir, 'empty.txt'))).toMatchObject({ bytes: 0, lines: 0, words: 0 });
    writeFileSync(join(dir, 'empty.csv'), '\r\n\n');
    expect((await analyzeFile(join(dir, 'empty.csv'), { csv: true })).csv).toEqual({ rows: 0, columns: 0 });
  });
});

describe('receiveUpload', () => {
  it('streams the file field to disk', async () => {
    const file = await receiveUpload(multipart('a,b\n1,2\n'), { dir, limitBytes: 1024 });
    expect(file).toMatchObject({ filename: 'data.csv', bytes: 8 });
    expect(readFileSync(file.path, 'utf8')).toBe('a,b\n1,2\n');
  });

  it('answers 413 past the limit and leaves no partial file', async () => {
    await expect(receiveUpload(multipart(new Uint8Array(5_000)), { dir, limitBytes: 1_000 })).rejects.toMatchObject({ status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('answers 415 for a body that is not multipart and 422 without the file field', async () => {
    await expect(receiveUpload(new Request('http://local/', { method: 'POST', body: 'x' }), { dir, limitBytes: 10 })).rejects.toMatchObject({ status: 415 });
    const form = new FormData();
    form.append('other', 'value');
    await expect(receiveUpload(new Request('http://local/', { method: 'POST', body: form }), { dir, limitBytes: 10 })).rejects.toMatchObject({ status: 422 });
  });
});
