import type { IncomingMessage } from 'node:http';

/** What {@link limitChunkedBody} calls. */
export interface ChunkedBodyLimitHooks {
  /** At the first chunk past the limit, once: answer 413. */
  exceeded(): void;
  /** When the client sent `lingerBytes` more after that, once: close the connection. */
  gaveUp(): void;
}

/**
 * Bounds a request body that has no `Content-Length` (chunked): counts its bytes as Node's HTTP
 * parser hands them to the request stream, and from the first chunk past `limit` on, hands over no
 * more. Whatever reads the body (body-parser, `express.raw()`, a route reading `req` itself) never
 * receives more than `limit` bytes, and never an end: a reader that does not listen for errors
 * cannot mistake a cut-off body for a whole one.
 *
 * Past the limit, what the client still sends is read and thrown away, up to `lingerBytes`: a client
 * that finishes its upload meanwhile reads the 413 and keeps its connection, as after any answer
 * (closing a socket with unread data makes the kernel reset the connection, and a client still
 * sending may lose the answer). Past `lingerBytes`, `gaveUp` closes the connection.
 *
 * Node's parser delivers every body byte through the request's `push`, so wrapping it sees them
 * all, whoever reads and however (events, `pipe`, async iteration).
 */
export function limitChunkedBody(req: IncomingMessage, limit: number, lingerBytes: number, hooks: ChunkedBodyLimitHooks): void {
  const push = req.push.bind(req);
  let received = 0;
  let discarded = -1;
  req.push = function limitedPush(chunk: unknown, encoding?: BufferEncoding): boolean {
    const size = chunk === null || chunk === undefined ? 0 : (chunk as { length: number }).length;
    if (discarded < 0) {
      received += size;
      if (received <= limit) return push(chunk, encoding);
      discarded = 0;
      hooks.exceeded();
      return true;
    }
    if (discarded > lingerBytes) return false;
    discarded += size;
    if (discarded > lingerBytes) {
      hooks.gaveUp();
      // `false` tells the parser to stop reading the socket.
      return false;
    }
    return true;
  };
}
