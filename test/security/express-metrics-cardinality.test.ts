import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, sendRaw, startAttackApp, type AttackApp, type AttackHost } from './attack-client.js';

// The same app on the three hosts (attack-app.fixture.ts) must label a request with the route
// pattern, whatever the client spelled: a router mounted under a parameter
// (`app.use('/tenants/:tenant/items', router)` on Express) gives one label for every tenant, not one
// per tenant value (600 made-up tenants made 500 labels, then `other`, before), and errand's own job
// routes mounted at /jobs give `/jobs/:id`.
const requests = 600;

function routeLabels(exposition: string): Set<string> {
  const routes = new Set<string>();
  for (const line of exposition.split('\n')) {
    const route = /^errand_http_requests_total\{[^}]*route="([^"]*)"/.exec(line)?.[1];
    if (route !== undefined) routes.add(route);
  }
  return routes;
}

describe.each<AttackHost>(['express', 'fastify', 'hono'])('HTTP metrics on %s', (host) => {
  let app: AttackApp;
  beforeAll(async () => {
    app = await startAttackApp(host);
  });
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('label a request with the route pattern, one label for every tenant and every spelling of the id', async () => {
    for (let i = 0; i < requests; i++) {
      const answer = await sendRaw(app.port, rawRequest('GET', `/tenants/t${i}/items/x`));
      expect(answer.status).toBe(200);
    }
    for (const id of ['no-such-job', 'another-one']) expect((await sendRaw(app.port, rawRequest('GET', `/jobs/${id}`))).status).toBe(404);
    expect((await sendRaw(app.port, rawRequest('GET', '/items/a'))).status).toBe(200);
    const metrics = await sendRaw(app.port, rawRequest('GET', '/metrics'));
    // The same labels on the three hosts (this /metrics request is counted once it is answered).
    expect([...routeLabels(metrics.body)].sort()).toEqual(['/items/:name', '/jobs/:id', '/tenants/:tenant/items/:name']);
  });

  it.runIf(host === 'express')('label a path spelled in another case with the pattern as the app wrote it (Express matches case-insensitively)', async () => {
    expect((await sendRaw(app.port, rawRequest('GET', '/JOBS/no-such-job'))).status).toBe(404);
    expect((await sendRaw(app.port, rawRequest('GET', '/Tenants/ACME/Items/x'))).status).toBe(200);
    const routes = routeLabels((await sendRaw(app.port, rawRequest('GET', '/metrics'))).body);
    // Only the patterns as written, whatever the other test in this file sent before (it may have
    // timed out on a loaded machine, so this one does not count on its labels).
    expect([...routes].filter((route) => !['/items/:name', '/jobs/:id', '/metrics', '/tenants/:tenant/items/:name'].includes(route))).toEqual([]);
    expect(routes).toContain('/jobs/:id');
    expect(routes).toContain('/tenants/:tenant/items/:name');
  });
});
