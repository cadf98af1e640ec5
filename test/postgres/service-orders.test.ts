import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/testing/conformance-helpers.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';
import { startService } from '../service/service-process.js';

/**
 * The reference service on `ERRAND_QUEUE=postgres://…`: `POST /orders` writes the order and its
 * fulfilment job in one Postgres transaction, the worker runs the job's three steps in order, and
 * the dashboard's JSON API and /metrics read the Postgres queue.
 */
const postgresUp = await postgresAvailable();
const schema = uniquePostgresSchema('service');
const dataDir = mkdtempSync(join(tmpdir(), 'errand-service-pg-'));
const root = fileURLToPath(new URL('../..', import.meta.url));

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (postgresUp) await dropPostgresSchema(schema);
});

describe.skipIf(!postgresUp)('reference service on Postgres', () => {
  it('POST /orders commits the order with its job, which runs audit, email and stats in order', async () => {
    const url = new URL(testPostgresUrl);
    url.searchParams.set('schema', schema);
    const service = await startService({ cwd: root, dataDir, fromSource: true, env: { ERRAND_QUEUE: url.toString() } });
    try {
      const response = await fetch(`${service.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'teapot', quantity: 2, email: 'pg.buyer@example.com' }) });
      expect(response.status, service.output()).toBe(202);
      const { orderId, jobId } = (await response.json()) as { orderId: string; jobId: string };
      const client = new pg.Client({ connectionString: testPostgresUrl });
      await client.connect();
      try {
        const order = await client.query(`SELECT item, quantity FROM "${schema}".shop_orders WHERE id = $1`, [orderId]);
        expect(order.rows).toEqual([{ item: 'teapot', quantity: 2 }]);
        const job = await client.query(`SELECT task FROM "${schema}".jobs WHERE id = $1`, [jobId]);
        expect(job.rows).toEqual([{ task: 'order-fulfilment' }]);
      } finally {
        await client.end();
      }
      const steps = await eventually(async () => {
        const body = (await (await fetch(`${service.url}/orders/${orderId}`)).json()) as { steps: { step: string }[] };
        expect(body.steps).toHaveLength(3);
        return body.steps.map((step) => step.step);
      }, 30_000, 100);
      expect(steps).toEqual(['audit', 'confirmation-email', 'stats']);
      // The last step is written inside the handler; the job is recorded as succeeded just after it returns.
      await eventually(async () => {
        const job = (await (await fetch(`${service.url}/jobs/${jobId}`)).json()) as { state: string };
        expect(job.state).toBe('succeeded');
      }, 30_000, 100);
      const stats = (await (await fetch(`${service.url}/dashboard/api/stats`)).json()) as { counts: { succeeded: number } };
      expect(stats.counts.succeeded).toBeGreaterThanOrEqual(1);
    } finally {
      await service.stop();
    }
  }, 120_000);
});
