import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrandError } from '../../errors/errand-error.js';
import { payloadTooLarge } from '../../errors/payload-too-large.js';

/** What {@link limitChunkedBody} needs from the adapter. */
export interface ChunkedBodyLimitHooks {
  /** Answers the request with this 413 through errand's registry. */
  refuse(error: ErrandError): void;
  /** Whether errand is already answering the request (another error came first). */
  answering(): boolean;
}

// Requests errand answered 413 while their body was still arriving.
const cutOff = new WeakSet<IncomingMessage>();

/** Whether errand answered `req` 413 mid-body: what its readers raise afterwards is expected. */
export function wasCutOff(req: IncomingMessage): boolean {
  return cutOff.has(req);
}

/**
 * Bounds a request body that has no `Content-Length` (chunked) through the request's public stream
 * API: a `'data'` listener put first counts the bytes as they reach the request's readers (whoever
 * reads and however: events, `pipe`, async iteration), holding none of them. At the chunk that
 * passes `limit` errand answers 413 (`hooks.refuse`), unless the route already started its own
 * answer: then its reader fails at once.
 *
 * From that chunk on the readers are detached (`unpipe`, and the `'data'`, `'readable'` and `'end'`
 * listeners they had are removed, as Node does itself when it dumps an unread body), so a reader
 * (body-parser, `express.raw()`, a route piping `req` to a file) gets nothing more, and never an
 * end: it cannot take a cut-off body for a whole one. It has seen at most the limit plus the rest of
 * that one chunk (Node hands a body over as the socket delivers it, at most 64 KiB at a time).
 * Once errand's answer is out, the request is destroyed (its readers get `'aborted'`, and `'error'`
 * when they listen) and its connection closed as soon as the body has ended, the client went away,
 * or it sent as much again as the limit (at least 64 KiB) after it: nothing waits on it forever, no
 * file stays open. Until then what the client sends is read and thrown away, so a client still
 * uploading can read the 413 (closing a socket with unread data makes the kernel reset the
 * connection, and the client may lose the answer).
 */
export function limitChunkedBody(req: IncomingMessage, res: ServerResponse, limit: number, hooks: ChunkedBodyLimitHooks): void {
  const linger = Math.max(limit, 65_536);
  let received = 0;
  let discarded = 0;
  let bodyOver = false;
  let answered = false;

  const endReaders = (): void => {
    if (!req.destroyed) req.destroy(payloadTooLarge(limit));
    // A body that ended leaves the request whole in Node's eyes: its connection is closed here.
    if (!req.socket.destroyed) req.socket.destroy();
  };
  const bodyEnded = (): void => {
    bodyOver = true;
    if (answered) endReaders();
  };
  const discard = (chunk: Buffer): void => {
    discarded += chunk.length;
    // Enough thrown away: stop reading the client's upload.
    if (discarded > linger) bodyEnded();
  };

  const detachReaders = (): void => {
    req.unpipe();
    for (const event of ['data', 'readable', 'end'] as const) {
      for (const listener of req.listeners(event)) if (listener !== count) req.removeListener(event, listener as (...args: unknown[]) => void);
    }
    req.removeListener('data', count);
    req.on('data', discard);
    req.once('end', bodyEnded);
    req.resume();
  };

  const exceeded = (): void => {
    if (res.headersSent && !res.writableFinished) {
      // The route streams its answer while it reads: no 413 can be sent, its reader fails now.
      req.removeListener('data', count);
      endReaders();
      return;
    }
    detachReaders();
    if (!res.headersSent && !hooks.answering()) {
      cutOff.add(req);
      hooks.refuse(payloadTooLarge(limit));
    }
    if (res.writableFinished) answered = true;
    else
      res.once('close', () => {
        answered = true;
        if (bodyOver) endReaders();
      });
    req.socket.once('close', endReaders);
  };

  function count(chunk: Buffer): void {
    received += chunk.length;
    if (received > limit) exceeded();
  }
  // Put first, so errand counts each chunk before the readers get it. Unlike `on('data')`,
  // `prependListener` does not start the flow: a route that reads the body later still gets all of it.
  req.prependListener('data', count);
}
