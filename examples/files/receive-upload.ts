import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { coerceError } from '../../src/errors/coerce-error.js';
import { ErrandError } from '../../src/errors/errand-error.js';

/** A file received by {@link receiveUpload}, already complete on disk. */
export interface UploadedFile {
  /** Where it was written. */
  path: string;
  /** The name the client gave (never used as a path). */
  filename: string;
  mimeType: string;
  bytes: number;
}

/** Options of {@link receiveUpload}. */
export interface ReceiveUploadOptions {
  /** Directory for uploaded files (created when missing). */
  dir: string;
  /** Largest file accepted, in bytes; beyond it the request fails with 413 and nothing stays on disk. */
  limitBytes: number;
  /** @default 'file' */
  field?: string;
}

// Room for the multipart boundaries and part headers around a file of exactly the limit.
const framingAllowance = 16 * 1024;

function tooLarge(limitBytes: number): ErrandError {
  return new ErrandError('ERRAND_PAYLOAD_TOO_LARGE', `the uploaded file exceeds the limit of ${limitBytes} bytes`);
}

/**
 * Streams the multipart field `file` of `request` to a new file in `dir` with busboy: memory stays
 * flat whatever the size. Beyond `limitBytes` it stops reading, removes the partial file and throws
 * `ERRAND_PAYLOAD_TOO_LARGE` (413); a body that is not multipart throws 415; a missing field 422.
 *
 * @example
 * const file = await receiveUpload(c.req.raw, { dir: 'data/uploads', limitBytes: 10_485_760 });
 */
export async function receiveUpload(request: Request, options: ReceiveUploadOptions): Promise<UploadedFile> {
  const { dir, limitBytes, field = 'file' } = options;
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(contentType)) {
    throw new ErrandError('ERRAND_UNSUPPORTED_MEDIA_TYPE', `send the file as multipart/form-data in the field "${field}"`);
  }
  // A declared length far past the limit is refused before a byte is read.
  if (Number(request.headers.get('content-length') ?? 0) > limitBytes + framingAllowance) throw tooLarge(limitBytes);
  if (request.body === null) throw missing(field);
  await mkdir(dir, { recursive: true });
  const source = Readable.fromWeb(request.body as WebReadableStream<Uint8Array>);
  return new Promise<UploadedFile>((resolve, reject) => {
    let writing: Promise<void> | undefined;
    let file: UploadedFile | undefined;
    const parser = busboy({ headers: { 'content-type': contentType }, limits: { fileSize: limitBytes, files: 1, fields: 20 } });
    const fail = (error: Error): void => {
      // Stop reading the body: nothing after a failure is worth receiving.
      source.unpipe(parser);
      source.destroy();
      reject(error);
    };
    parser.on('file', (name, stream, info) => {
      if (name !== field || writing !== undefined) {
        stream.resume();
        return;
      }
      const path = join(dir, `${randomUUID()}${extname(info.filename ?? '').slice(0, 16)}`);
      const output = createWriteStream(path, { flags: 'wx' });
      let truncated = false;
      stream.on('limit', () => {
        truncated = true;
        output.destroy(tooLarge(limitBytes));
      });
      // Never rejects: every failure removes the partial file, then fails the upload.
      writing = pipeline(stream, output).then(
        () => {
          file = { path, filename: info.filename ?? 'upload', mimeType: info.mimeType, bytes: output.bytesWritten };
        },
        async (error: unknown) => {
          await rm(path, { force: true });
          fail(truncated ? tooLarge(limitBytes) : coerceError(error));
        },
      );
    });
    parser.on('error', (error: Error) => {
      fail(new ErrandError('ERRAND_VALIDATION_FAILED', `the multipart body is malformed: ${error.message}`, { status: 400, cause: error }));
    });
    parser.on('close', () => {
      if (writing === undefined) fail(missing(field));
      else void writing.then(() => file !== undefined && resolve(file));
    });
    source.on('error', (error) => reject(error));
    source.pipe(parser);
  });
}

function missing(field: string): ErrandError {
  return new ErrandError('ERRAND_VALIDATION_FAILED', `the multipart body has no file in the field "${field}"`);
}
