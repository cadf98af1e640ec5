import { connect, type Socket } from 'node:net';

/** A running flood: sockets that keep many pipelined requests outstanding each. */
export interface PipeliningFlood {
  /** Responses the flood's sockets read so far (status lines seen). */
  answered(): number;
  /** Connections the flood opened so far (it reopens one the server closed). */
  connections(): number;
  stop(): void;
}

export interface PipeliningFloodOptions {
  port: number;
  /** @default 20 */
  sockets?: number;
  /** Requests written at once on a connection, and written again each time that many were answered. @default 2_000 */
  batch?: number;
  /** @default 'GET /healthz' */
  request?: string;
}

/**
 * The attack: each socket writes `batch` pipelined requests and, whenever that many answers came
 * back, writes `batch` more, so the server always has thousands of requests of this one client
 * read and waiting. It reads every answer (a flood that never read would be throttled by Node's
 * write backpressure alone) and reconnects when the server closes a connection.
 */
export function startPipeliningFlood(options: PipeliningFloodOptions): PipeliningFlood {
  const batch = options.batch ?? 2_000;
  const [method, path] = (options.request ?? 'GET /healthz').split(' ');
  const payload = Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`.repeat(batch));
  let answered = 0;
  let connections = 0;
  let stopped = false;
  const open = new Set<Socket>();
  const reconnects = new Set<NodeJS.Timeout>();

  const attack = (): void => {
    if (stopped) return;
    connections += 1;
    const socket = connect(options.port, '127.0.0.1');
    open.add(socket);
    let sinceBatch = 0;
    let tail = '';
    socket.on('error', () => undefined);
    socket.on('close', () => {
      open.delete(socket);
      // The server ended this connection (a per-connection bound): the attacker simply opens another.
      if (stopped) return;
      const timer = setTimeout(() => {
        reconnects.delete(timer);
        attack();
      }, 10);
      reconnects.add(timer);
    });
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      const seen = text.split('HTTP/1.1 ').length - 1;
      // Shorter than the status line's 9 characters: a status line is never counted twice.
      tail = text.slice(-8);
      answered += seen;
      sinceBatch += seen;
      if (sinceBatch >= batch && !socket.destroyed) {
        sinceBatch -= batch;
        socket.write(payload);
      }
    });
  };
  for (let index = 0; index < (options.sockets ?? 20); index++) attack();

  return {
    answered: () => answered,
    connections: () => connections,
    stop() {
      stopped = true;
      for (const socket of open) socket.destroy();
      for (const timer of reconnects) clearTimeout(timer);
    },
  };
}
