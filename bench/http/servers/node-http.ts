import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterFinish, MyCustomException, notFoundBody, oops, registered, registerTask } from './seed.js';

/*
 * The floor: the seed app on node:http with no framework. Route code throws to one global handler,
 * as every framework here does, so the error route measures the same thing everywhere.
 */
const task = registerTask();

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function readJson(req: IncomingMessage): Promise<{ email?: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { email?: string };
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url.startsWith('/items/') && url.indexOf('/', 7) === -1) {
    const name = decodeURIComponent(url.slice(7));
    if (name === 'error') throw new MyCustomException(name);
    return send(res, 200, { name });
  }
  if (req.method === 'POST' && url === '/register') {
    const { email = '' } = await readJson(req);
    afterFinish(res, task, email);
    return send(res, 200, registered);
  }
  send(res, 404, notFoundBody(url));
}

function handleError(res: ServerResponse, error: unknown): void {
  if (error instanceof MyCustomException) return send(res, 418, oops(error.itemName));
  send(res, 500, { error: 'Internal Server Error' });
}

const server = createServer((req, res) => {
  route(req, res).catch((error: unknown) => handleError(res, error));
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close());
