/**
 * The reference service attacked with pipelined requests, as an outside attacker did: 20
 * connections that each kept thousands of requests outstanding made a normal client's request wait
 * past 30 s (no answer in four tries of 30 s each at load 16 to 20), because Node hands every request
 * it has read to the app at once. The service bounds what one connection gets
 * (HTTP_MAX_REQUESTS_PER_SOCKET, default 100) and closes it at the bound.
 */
import { describe, expect, it } from 'vitest';
import { pipelineUntilClosed } from '../support/pipelined-connection.js';
import { serviceForTests } from '../service/service-for-tests.js';
import { startPipeliningFlood } from './pipelining-flood.js';

describe('the reference service under pipelined requests', () => {
  const service = serviceForTests('pipelining', { fromSource: true });
  const port = (): number => Number(new URL(service.url).port);

  it('gives one connection at most 100 answers from the app, the last closing it, and never reads what it pipelined past them', async () => {
    // Before the bound, all 300 were answered and the connection stayed open (the deadline closed it).
    const answer = await pipelineUntilClosed(port(), '/healthz', 300, 60_000);
    const statuses = answer.heads.map((head) => Number(head.slice(0, 3)));
    expect(answer.closedByServer).toBe(true);
    expect(statuses.filter((status) => status === 200)).toHaveLength(100);
    expect(statuses.slice(0, 100).every((status) => status === 200)).toBe(true);
    expect(answer.heads.at(-1)?.toLowerCase()).toContain('connection: close');
    // Node answers pipelined requests past the bound with a bare 503 only until the connection
    // closes; the app itself never sees them.
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
  });

  it('answers a normal client while 20 connections each keep 2,000 pipelined requests outstanding', async () => {
    const flood = startPipeliningFlood({ port: port(), sockets: 20, batch: 2_000 });
    try {
      // Let the flood reach the server before the normal client asks.
      while (flood.answered() === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      for (let round = 0; round < 3; round++) {
        // A deadline against starvation, not a speed figure: with the bound, 6 to 8 s at load 25 (nice 19),
        // 12 to 254 ms without the flood; without the bound, no answer in four tries of 30 s each, as the
        // flood never lets up.
        const response = await fetch(`${service.url}/healthz`, { signal: AbortSignal.timeout(30_000) });
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ status: 'ok' });
      }
      // The flood ran into the bound: its connections were closed and opened again.
      expect(flood.connections()).toBeGreaterThan(20);
    } finally {
      flood.stop();
    }
  });
});
