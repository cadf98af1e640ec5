/**
 * The reference service's writing routes attacked from outside: one client posting as fast as it
 * can grew users.txt, audit.log and service.db without bound (nothing limited it), so it could fill
 * the disk. Each attack runs against the real service process, over real HTTP.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataBytes } from '../../examples/limits/storage-cap.js';
import { serviceForTests } from '../service/service-for-tests.js';
import { cappedServiceForTests } from './capped-service.js';
import { expectRateLimited } from './expect-rate-limited.js';
import { eventually } from '../service/raw-http.js';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function post(base: string, path: string, body: unknown): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

function userLines(dataDir: string): number {
  try {
    return readFileSync(join(dataDir, 'users.txt'), 'utf8').split('\n').filter((line) => line !== '').length;
  } catch {
    return 0;
  }
}

describe('the reference service rate-limits each client on its writing routes', () => {
  const service = serviceForTests('write-rate', { fromSource: true, env: { NODE_ENV: 'production', WRITE_RATE_LIMIT: '5', WRITE_RATE_WINDOW_SECONDS: '3600' } });

  it('a client posting 200 users at once gets 5 written and 195 answers of 429 with Retry-After, in production', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, index) => post(service.url, '/users', { name: `flood ${index}`, email: `flood${index}@example.com` })));
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(5);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(195);
    for (const answer of refused) expectRateLimited(answer, 3600);
    expect(await eventually(() => userLines(service.dataDir) === 5)).toBe(true);
    // The limit counts the client across the writing routes, and leaves its reads alone.
    expect((await post(service.url, '/register', { email: 'late@example.com' })).body).toMatchObject({ status: 429, code: 'SERVICE_RATE_LIMITED' });
    expect((await post(service.url, '/orders', { item: 'cup', email: 'late@example.com' })).status).toBe(429);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect(userLines(service.dataDir)).toBe(5);
  });
});

describe('the reference service stops writing once its data directory holds DATA_MAX_BYTES', () => {
  const capped = cappedServiceForTests('storage-cap');
  const dataDir = capped.dataDir;

  it('a client flooding POST /users is refused with 507 SERVICE_STORAGE_FULL before the files pass the cap, and the service keeps answering', async () => {
    // The cap leaves 256 KiB above the service's own files at start: room for the SQLite
    // write-ahead logs the running service makes (the queue's liveness file takes a beat a second
    // whatever the requests) and for about 1,500 users.
    const { service: running, cap } = await capped.start({ NODE_ENV: 'production', WRITE_RATE_LIMIT: '0' }, 256 * 1024);
    const base = running.url;

    let accepted = 0;
    let full: Answer | undefined;
    // About 1,500 lines of users.txt fill 256 KiB; before the cap, 5,000 were all written.
    for (let batch = 0; batch < 100 && full === undefined; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, index) => post(base, '/users', { name: `filler ${batch}-${index} ${'x'.repeat(80)}`, email: `f${batch}x${index}@example.com` })));
      accepted += answers.filter((answer) => answer.status === 202).length;
      full = answers.find((answer) => answer.status === 507);
      // Let this batch's lines be written before the next batch is measured against the cap.
      expect(await eventually(() => userLines(dataDir) === accepted)).toBe(true);
    }
    expect(full, `no 507 after ${accepted} users were accepted`).toBeDefined();
    expect(full?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // Production mode, and still the reason: the 5xx opts in with `expose` (HTTPException).
    expect(full?.body).toMatchObject({ status: 507, title: 'Insufficient Storage', code: 'SERVICE_STORAGE_FULL' });
    expect(String(full?.body.detail)).toContain('DATA_MAX_BYTES');
    expect(full?.body).not.toHaveProperty('stack');
    // Writes went through until the cap, then stopped: past it by at most the batch in flight when
    // it was reached and the write-ahead logs' growth meanwhile, never by the rest of the flood...
    expect(accepted).toBeGreaterThan(0);
    expect(await dataBytes(dataDir)).toBeLessThan(cap + 256 * 1024);
    // ...and a further batch is held by the cap too: each refused write leaves nothing, and the
    // directory stays within the same bound. The disk is measured again for it, and the
    // worker-liveness file's write-ahead log, truncated to its 256 KiB limit at a checkpoint, can
    // free room meanwhile (the same upload test on CI's Node 24 saw it), so a write may be accepted.
    const linesAtCap = userLines(dataDir);
    const more = await Promise.all(Array.from({ length: 50 }, (_, index) => post(base, '/users', { name: `late ${index}`, email: `late${index}@example.com` })));
    expect(more.every((answer) => answer.status === 202 || answer.status === 507)).toBe(true);
    const lateAccepted = more.filter((answer) => answer.status === 202).length;
    expect(await eventually(() => userLines(dataDir) === linesAtCap + lateAccepted)).toBe(true);
    expect(await dataBytes(dataDir)).toBeLessThan(cap + 256 * 1024);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/users`, { method: 'DELETE' })).status).toBe(405);
  });
});
