import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, sendRaw, startAttackApp, type AttackApp, type AttackHost } from './attack-client.js';

// A host hands the mounted dashboard the mount path as the client spelled it: Express matches
// `/admin/queue` case-insensitively (`/ADMIN/queue`, `/aDmIn/QuEuE`… 1,024 spellings) and a mount
// path with a parameter (`/tenants/:tenant/queue`) matches without end. Before the fix the bridge
// kept one Hono app per spelling, forever: 2,000 unauthenticated requests grew Express's heap by
// about 55 MB, and a longer prefix or a parameter let any client exhaust the process's memory.
async function heapUsed(app: AttackApp): Promise<number> {
  const answer = await sendRaw(app.port, rawRequest('GET', '/heap'));
  const { heapUsed } = JSON.parse(answer.body) as { heapUsed: number };
  return heapUsed;
}

function spelled(path: string, variant: number): string {
  let bit = 0;
  return path.replace(/[a-z]/g, (letter) => ((variant >> bit++) & 1 ? letter.toUpperCase() : letter));
}

describe.each<AttackHost>(['express', 'fastify', 'hono'])('a mounted dashboard on %s', (host) => {
  let app: AttackApp;
  beforeAll(async () => {
    app = await startAttackApp(host, ['--expose-gc']);
  });
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('keeps no memory per mount path a client makes up', async () => {
    // Warm up: the first requests load and compile what every later one shares.
    for (let i = 0; i < 50; i++) await sendRaw(app.port, rawRequest('GET', `/tenants/warm${i}/queue/api/jobs`));
    const before = await heapUsed(app);
    for (let i = 0; i < 1_000; i++) {
      const byParameter = await sendRaw(app.port, rawRequest('GET', `/tenants/t${i}/queue/api/jobs`));
      expect(byParameter.status).toBe(401);
      // Express routes case-insensitively: each spelling reaches the dashboard (and its 401);
      // Fastify and Hono answer the other spellings 404.
      const bySpelling = await sendRaw(app.port, rawRequest('GET', `${spelled('/admin/queue', i)}/api/jobs`));
      expect(bySpelling.code).toBe(host === 'express' || i === 0 ? 'ERRAND_UNAUTHORIZED' : 'ERRAND_NOT_FOUND');
    }
    const grown = (await heapUsed(app)) - before;
    // 2,000 made-up paths: some 55 MB before the fix; a few MB of noise after.
    expect(grown).toBeLessThan(12_000_000);
  });
});
