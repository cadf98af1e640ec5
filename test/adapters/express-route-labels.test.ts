/**
 * Express's httpMetrics labels a request with the route pattern, the paths routers were mounted with
 * included, over a real socket: nested routers under parameters, a route whose error is answered by
 * the app's error handler (after the router gave the request back), and the fallback for a mount
 * path it cannot follow.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { errand } from '../../src/adapters/express/errand.js';
import { httpMetrics } from '../../src/adapters/express/http-metrics.js';
import { validate } from '../../src/adapters/express/validate.js';
import { createMetrics } from '../../src/metrics/create-metrics.js';
import { sendRequest } from '../../src/testing/adapter-conformance-client.js';
import { memoryLogger } from '../../src/testing/memory-logger.js';
import { closeServer } from './client.js';

const metrics = createMetrics();
const app = express();
app.use(httpMetrics(metrics));
const installed = errand(app, { mode: 'production', logger: memoryLogger().logger });
const members = express.Router();
members.get('/:member', validate('param', z.object({ member: z.string().regex(/^\d+$/) })), (req, res) => void res.json(req.params));
const teams = express.Router();
teams.use('/teams/:team/members', members);
teams.get('/', (_req, res) => void res.json([]));
app.use('/orgs/:org', teams);
const files = express.Router();
files.get('/:name', (req, res) => void res.json(req.params));
app.use('/files{/:folder}', files);
const server = app.listen(0, '127.0.0.1');
let port = 0;

beforeAll(async () => {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await closeServer(server);
  await installed.runner.drain({ timeoutMs: 1_000 });
});

async function labels(): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return [...text.matchAll(/^errand_http_requests_total\{method="GET",route="([^"]*)",status="(\d+)"\}/gm)].map((match) => `${match[1]} ${match[2]}`).sort();
}

it('labels routes of nested routers mounted under parameters with their whole pattern, whoever answers', async () => {
  for (const org of ['acme', 'Initech']) {
    expect((await sendRequest(port, { path: `/orgs/${org}/teams/t-${org}/members/7` })).status).toBe(200);
    // The validation error is answered by errand's error handler, outside the routers.
    expect((await sendRequest(port, { path: `/ORGS/${org}/Teams/x/members/not-a-number` })).status).toBe(422);
    expect((await sendRequest(port, { path: `/orgs/${org}` })).status).toBe(200);
  }
  expect(await labels()).toEqual(['/orgs/:org/ 200', '/orgs/:org/teams/:team/members/:member 200', '/orgs/:org/teams/:team/members/:member 422']);
});

it('labels a router under a mount path of no fixed length (an optional part) with the path as the client spelled it', async () => {
  expect((await sendRequest(port, { path: '/files/docs/readme' })).status).toBe(200);
  expect(await labels()).toContain('/files/docs/:name 200');
});
