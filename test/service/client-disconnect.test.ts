/**
 * Clients that hang up mid-body, against the reference service in production mode (a real child
 * process, real sockets): nobody receives the answer, so it is no server error. Not a 5xx in
 * /metrics, no error-level log line with a stack: otherwise anyone could trip 5xx alerts.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually, startUpload } from './raw-http.js';
import { serviceForTests } from './service-for-tests.js';

const service = serviceForTests('disconnect', { fromSource: true, env: { NODE_ENV: 'production', ERRAND_DASHBOARD_TOKEN: 'tok', LOG_LEVEL: 'debug' } });

/** Sends the head of a JSON POST declaring 1,000 bytes and 10 of them, then hangs up. */
async function abandonJson(path: string): Promise<void> {
  const { hostname, port } = new URL(service.url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":"a`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
}

async function metrics(): Promise<string> {
  return (await fetch(`${service.url}/metrics`, { headers: { authorization: 'Bearer tok' } })).text();
}

describe('a client that disconnects mid-body (production mode)', () => {
  it('is neither a 5xx in /metrics nor an error-level log line', async () => {
    for (let round = 0; round < 5; round += 1) {
      const upload = await startUpload(service.url, 100_000, 1_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      upload.destroy();
      await abandonJson('/users');
    }
    // Both routes saw the disconnect and answered (to nobody) by now.
    const answered = (text: string): number =>
      text
        .split('\n')
        .filter((line) => line.startsWith('errand_http_requests_total{method="POST"'))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    await eventually(async () => answered(await metrics()) >= 10);
    const scraped = await metrics();
    expect(answered(scraped)).toBe(10);
    expect(scraped).not.toMatch(/errand_http_errors_total\{[^}]*status="5\d\d"/);
    const errorLines = service
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { stack?: string } })
      .filter((entry) => entry.level >= 50 || entry.err?.stack !== undefined);
    expect(errorLines).toEqual([]);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});
