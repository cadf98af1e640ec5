import { connect } from 'node:net';

/** What one connection of pipelined requests got back. */
export interface PipelinedAnswers {
  /** Each response's status line and headers, without `HTTP/1.1 ` and the blank line, in order. */
  heads: string[];
  /** True when the server closed the connection before `deadlineMs` (false: the deadline did). */
  closedByServer: boolean;
}

/**
 * Writes `count` pipelined `GET path` requests on one connection and reads until the server closes
 * it, or until `deadlineMs` (then the socket is destroyed and `closedByServer` is false).
 */
export function pipelineUntilClosed(port: number, path: string, count: number, deadlineMs: number): Promise<PipelinedAnswers> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closedByServer = true;
    const timer = setTimeout(() => {
      closedByServer = false;
      socket.destroy();
    }, deadlineMs);
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`.repeat(count)));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ heads: text.split('HTTP/1.1 ').slice(1).map((head) => head.split('\r\n\r\n')[0] ?? ''), closedByServer });
    });
  });
}
