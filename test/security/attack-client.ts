// Starts test/security/attack-app.fixture.ts on a host in its own process (NODE_ENV=production)
// and talks to it with raw bytes over a real socket, so a test can send what no HTTP client sends.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fixtureCommand } from '../support/fixture-command.js';

export type AttackHost = 'express' | 'fastify' | 'hono';

/** A running attack app. */
export interface AttackApp {
  readonly port: number;
  readonly child: ChildProcess;
  /** Every line the app printed on stdout (its JSON log lines included), and stderr. */
  readonly output: string[];
  /** Resolves with the exit code (`null` when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then the exit (graceful shutdown); SIGKILL if it does not exit in 15 s. */
  stop(): Promise<number | null>;
}

/** Starts the app on `host`; `nodeArgs` go before the fixture (e.g. `--expose-gc`). */
export function startAttackApp(host: AttackHost, nodeArgs: string[] = []): Promise<AttackApp> {
  const fixture = new URL('./attack-app.fixture.ts', import.meta.url);
  const child = spawn(process.execPath, [...nodeArgs, ...fixtureCommand(fixture)], {
    env: { ...process.env, ATTACK_HOST: host, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr.on('data', (chunk: Buffer) => output.push(`stderr: ${chunk.toString()}`));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        output.push(line);
        const port = /^\{"listening":(\d+)\}$/.exec(line)?.[1];
        if (port !== undefined) {
          resolve({
            port: Number(port),
            child,
            output,
            exited,
            async stop() {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
              const code = await exited;
              clearTimeout(timer);
              return code;
            },
          });
        }
      }
    });
    void exited.then((code) => reject(new Error(`the ${host} attack app exited (${code}) before listening:\n${output.join('\n')}`)));
  });
}

/** A response read off the socket, parsed leniently (whatever the server sent, even half of it). */
export interface RawAnswer {
  /** 0 when nothing parseable came back. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body's `code` member when it is JSON. */
  code: string | undefined;
  /** True when the socket was still open at the deadline (we closed it). */
  timedOut: boolean;
}

/** Sends `data` on a new connection and reads until the server closes it (or `timeoutMs`). */
export function sendRaw(port: number, data: string | Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...parseAnswer(Buffer.concat(chunks).toString('latin1')), timedOut });
    });
    socket.on('connect', () => socket.write(data));
  });
}

function parseAnswer(text: string): Omit<RawAnswer, 'timedOut'> {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 4);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]) || 0, headers, body, code: /"code":"([A-Z0-9_]+)"/.exec(body)?.[1] };
}

/** An HTTP/1.1 request with `Connection: close` (and the body's Content-Length unless a length or chunking is given). */
export function rawRequest(method: string, path: string, headers: Record<string, string | number> = {}, body?: string): string {
  const all: Record<string, string | number> = { Host: 'localhost', Connection: 'close', ...headers };
  if (body !== undefined && all['Content-Length'] === undefined && all['Transfer-Encoding'] === undefined) all['Content-Length'] = Buffer.byteLength(body);
  const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}
