import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy, { type Busboy, type FileInfo } from 'busboy';
import { coerceError } from 'errand/errors';
import { ErrandError } from 'errand/errors';
import { uploadFilename, uploadExtension } from './upload-filename.js';

/** A file received by {@link receiveUpload}, already complete on disk. */
export interface UploadedFile {
  /** Where it was written. */
  path: string;
  /** The name the client gave, without control characters (never used as a path). */
  filename: string;
  mimeType: string;
  bytes: number;
}

/** Options of {@link receiveUpload}. */
export interface ReceiveUploadOptions {
  /** Directory for uploaded files (created when missing). */
  dir: string;
  /** Largest file accepted, in bytes (a file of exactly this size is accepted); beyond it 413 and nothing stays on disk. */
  limitBytes: number;
  /** @default 'file' */
  field?: string;
}

// Room for the multipart boundaries and part headers around a file of exactly the limit.
const framingAllowance = 16 * 1024;

function tooLarge(limitBytes: number): ErrandError {
  return new ErrandError('ERRAND_PAYLOAD_TOO_LARGE', `the uploaded file exceeds the limit of ${limitBytes} bytes`);
}

function missing(field: string): ErrandError {
  return new ErrandError('ERRAND_VALIDATION_FAILED', `the multipart body has no file in the field "${field}"`);
}

function malformed(error: Error): ErrandError {
  return new ErrandError('ERRAND_MALFORMED_MULTIPART', `the multipart body is malformed: ${error.message}`, { cause: error });
}

function clientGone(cause: unknown): ErrandError {
  return new ErrandError('ERRAND_CLIENT_DISCONNECTED', 'the client disconnected before the upload finished', { cause });
}

// busboy throws from its constructor for a bad Content-Type (no boundary): that is the client's mistake.
function openParser(contentType: string, limitBytes: number): Busboy {
  try {
    // fileSize one past the limit: busboy emits 'limit' on reaching fileSize, and a file of exactly the
    // limit is accepted. Several file parts may come before ours (their order is the client's).
    return busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits: { fileSize: limitBytes + 1, files: 20, fields: 20 } });
  } catch (error) {
    throw malformed(coerceError(error));
  }
}

/**
 * Streams the multipart field `file` of `request` to a new file in `dir` with busboy: memory stays
 * flat whatever the size. Every way an upload can end other than success (past `limitBytes`: 413;
 * not multipart: 415; malformed: 400; no such field: 422; the client disconnecting or timing out)
 * closes the file and removes it before the promise rejects: no descriptor and no partial file stay.
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
  const parser = openParser(contentType, limitBytes);
  await mkdir(dir, { recursive: true });
  return new UploadReceipt(request, parser, { dir, limitBytes, field }).done;
}

/** One upload in flight: every listener funnels into {@link UploadReceipt.settle}, which runs once. */
class UploadReceipt {
  readonly done: Promise<UploadedFile>;
  #resolve: (file: UploadedFile) => void = () => undefined;
  #reject: (error: Error) => void = () => undefined;
  readonly #options: Required<ReceiveUploadOptions>;
  readonly #request: Request;
  readonly #source: Readable;
  readonly #parser: Busboy;
  #output: WriteStream | undefined;
  #path: string | undefined;
  #writing: Promise<void> | undefined;
  #file: UploadedFile | undefined;
  #settled = false;
  readonly #onAbort = (): void => this.settle(clientGone(this.#request.signal.reason));

  constructor(request: Request, parser: Busboy, options: Required<ReceiveUploadOptions>) {
    this.done = new Promise<UploadedFile>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#request = request;
    this.#parser = parser;
    this.#options = options;
    this.#source = Readable.fromWeb(request.body as WebReadableStream<Uint8Array>);
    // A listener that throws would be an uncaught exception: every one is guarded.
    parser.on('file', this.#guard((name: string, stream: Readable, info: FileInfo) => this.#onFile(name, stream, info)));
    parser.on('error', this.#guard((error: Error) => this.settle(malformed(error))));
    parser.on('close', this.#guard(() => this.#onParsed()));
    this.#source.on('error', this.#guard((error: Error) => this.settle(request.signal.aborted ? clientGone(error) : coerceError(error))));
    if (request.signal.aborted) this.#onAbort();
    else request.signal.addEventListener('abort', this.#onAbort, { once: true });
    if (!this.#settled) this.#source.pipe(parser);
  }

  #guard<A extends unknown[]>(listener: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        listener(...args);
      } catch (error) {
        this.settle(coerceError(error));
      }
    };
  }

  #onFile(name: string, stream: Readable, info: FileInfo): void {
    if (name !== this.#options.field || this.#output !== undefined || this.#settled) {
      stream.resume();
      return;
    }
    const filename = uploadFilename(info.filename);
    const path = join(this.#options.dir, `${randomUUID()}${uploadExtension(filename)}`);
    this.#path = path;
    const output = createWriteStream(path, { flags: 'wx' });
    this.#output = output;
    stream.on('limit', this.#guard(() => this.settle(tooLarge(this.#options.limitBytes))));
    this.#writing = pipeline(stream, output).then(
      () => {
        if (!(stream as Readable & { truncated?: boolean }).truncated) this.#file = { path, filename, mimeType: info.mimeType, bytes: output.bytesWritten };
      },
      (error: unknown) => this.settle(coerceError(error)),
    );
  }

  // busboy read the whole body: the file is complete once its write stream finished.
  #onParsed(): void {
    const writing = this.#writing ?? Promise.resolve();
    void writing.then(() => this.settle(this.#file === undefined ? missing(this.#options.field) : undefined));
  }

  /** Ends the upload once: resolves with the file, or closes and removes it, then rejects with `error`. */
  settle(error: Error | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#request.signal.removeEventListener('abort', this.#onAbort);
    const file = this.#file;
    if (error === undefined && file !== undefined) return this.#resolve(file);
    // Stop reading the body: nothing after a failure is worth receiving.
    this.#source.unpipe(this.#parser);
    this.#source.destroy();
    void discard(this.#output, this.#path).finally(() => this.#reject(error ?? missing(this.#options.field)));
  }
}

/** Closes the partial file's descriptor, then removes the file. Never rejects. */
async function discard(output: WriteStream | undefined, path: string | undefined): Promise<void> {
  if (output !== undefined && !output.closed) {
    const closed = new Promise<void>((resolve) => output.once('close', () => resolve()));
    output.destroy();
    await closed;
  }
  if (path !== undefined) await rm(path, { force: true }).catch(() => undefined);
}
