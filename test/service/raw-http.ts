/**
 * Hand-made HTTP for the service tests: multipart bodies byte by byte (a NUL in a header, parts in
 * any order, a missing boundary) and requests over a bare socket that stop mid-body.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** One part of a multipart body: its Content-Disposition parameters after `form-data; `. */
export interface Part {
  disposition: string;
  content: string | Buffer;
}

/** A multipart/form-data body with boundary `B` (the parts' bytes exactly as given). */
export function multipartBody(parts: Part[], boundary = 'B'): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; ${part.disposition}\r\n\r\n`, 'utf8'));
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** POSTs `body` as multipart with boundary `B` (or the given Content-Type) and reads the answer. */
export async function postMultipart(url: string, body: Buffer, contentType = 'multipart/form-data; boundary=B'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
}

/**
 * Opens a socket, sends the headers of a multipart upload declaring `declaredBytes` and the first
 * `sentBytes` of its file, and resolves once the server has had time to open the file; the caller
 * then destroys the socket mid-body, as a client that goes away does.
 */
export async function startUpload(url: string, declaredBytes: number, sentBytes: number): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const head = Buffer.from('--B\r\nContent-Disposition: form-data; name="file"; filename="partial.bin"\r\n\r\n');
  const tail = Buffer.from('\r\n--B--\r\n');
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  socket.write(
    `POST /upload HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${head.length + declaredBytes + tail.length}\r\n\r\n`,
  );
  socket.write(head);
  socket.write(Buffer.alloc(sentBytes, 0x61));
  return socket;
}

/** The files under `dir` that process `pid` holds open (read from /proc/<pid>/fd). */
export function openFilesUnder(pid: number, dir: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(dir)) open.push(target);
    } catch {
      // closed while we looked
    }
  }
  return open;
}

/** Polls `check` until it returns true or `timeoutMs` passed; returns its last answer. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
