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
 * Bounds a request body that has no `Content-Length` (chunked): counts its bytes as Node's HTTP
 * parser hands them to the request stream, and from the first chunk past `limit` on, hands over
 * nothing more. At that chunk errand answers 413 (`hooks.refuse`), unless the route already started
 * its own answer: then its reader fails at once.
 *
 * Whoever reads the body (body-parser, `express.raw()`, a route piping `req` to a file) never gets
 * more than `limit` bytes, and never an end, so a reader without an error listener cannot take a
 * cut-off body for a whole one. Once errand's answer is out, the request is destroyed (its readers
 * get `'aborted'`, and `'error'` when they listen) as soon as the body has ended, the client went
 * away, or it sent as much again as the limit (at least 64 KiB) after it: nothing waits on it
 * forever, no file stays open. Until then what the client sends is read and thrown away, so a
 * client still uploading can read the 413 (closing a socket with unread data makes the kernel reset
 * the connection, and the client may lose the answer).
 *
 * Node's parser delivers every body byte through the request's `push`, so wrapping it sees them
 * all, whoever reads and however (events, `pipe`, async iteration).
 */
export function limitChunkedBody(req: IncomingMessage, res: ServerResponse, limit: number, hooks: ChunkedBodyLimitHooks): void {
  const push = req.push.bind(req);
  const linger = Math.max(limit, 65_536);
  let received = 0;
  // -1 while under the limit, then the bytes thrown away since.
  let discarded = -1;
  let bodyOver = false;
  let answered = false;

  const endReaders = (): void => {
    if (!req.destroyed) req.destroy(payloadTooLarge(limit));
  };
  const bodyEnded = (): void => {
    bodyOver = true;
    if (answered) endReaders();
  };

  const exceeded = (): void => {
    if (res.headersSent && !res.writableFinished) {
      // The route streams its answer while it reads: no 413 can be sent, its reader fails now.
      endReaders();
      return;
    }
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

  req.push = function limitedPush(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (discarded < 0) {
      if (chunk !== null && chunk !== undefined) received += (chunk as { length: number }).length;
      if (received <= limit) return push(chunk, encoding);
      discarded = 0;
      exceeded();
      return true;
    }
    if (bodyOver) return false;
    if (chunk === null || chunk === undefined) {
      bodyEnded();
      return false;
    }
    discarded += (chunk as { length: number }).length;
    if (discarded <= linger) return true;
    // `false` tells the parser to stop reading the socket.
    bodyEnded();
    return false;
  };
}
