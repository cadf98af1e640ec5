/**
 * A rate limit per key holds across worker processes: three processes share one SQLite file, one
 * Redis prefix or one Postgres schema and run the jobs of two tenants, limited to 5 per second each.
 * No tenant is granted more than its limit in any window (the window of each grant known from the
 * times its call began and ended, one host's clock), the second tenant is not held behind the first
 * one's backlog, and a job sent back to wait for a window still runs on its first attempt.
 */
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { everyBackendQueue } from './every-backend-queue.js';
import { openBackend } from './open-backend.js';
import { spawnJsonLines, until, type JsonLineProcess } from '../support/json-line-process.js';

const limit = 5;
const intervalMs = 1_000;
const perTenant = 20;
const processes = 3;
const children: ChildProcess[] = [];

type Line =
  | { event: 'ready'; pid: number }
  | { event: 'granted'; bucket: string; from: number; to: number; pid: number }
  | { event: 'ran'; jobId: string; tenant: string; at: number; pid: number }
  | { event: 'waited'; jobId: string; pid: number };

interface Seen {
  ready: Set<number>;
  grants: Map<string, number>;
  /** Per bucket, the earliest window a grant began in and the latest one a grant ended in. */
  spans: Map<string, { first: number; last: number }>;
  runs: Map<string, { tenant: string; at: number }[]>;
  waited: number;
}

function start(queueUrl: string, onLine: (line: Line) => void): JsonLineProcess {
  return spawnJsonLines(new URL('./rate-limit-key-worker.fixture.ts', import.meta.url), { ERRAND_QUEUE: queueUrl, LIMIT: String(limit), INTERVAL_MS: String(intervalMs) }, onLine, children);
}

function record(seen: Seen, line: Line): void {
  if (line.event === 'ready') seen.ready.add(line.pid);
  else if (line.event === 'ran') seen.runs.set(line.jobId, [...(seen.runs.get(line.jobId) ?? []), { tenant: line.tenant, at: line.at }]);
  else if (line.event === 'waited') seen.waited += 1;
  else {
    const span = seen.spans.get(line.bucket);
    seen.spans.set(line.bucket, { first: Math.min(span?.first ?? line.from, line.from), last: Math.max(span?.last ?? line.to, line.to) });
    // A grant whose call began and ended in one window was counted in it; one across an edge is left out (counted in either).
    if (line.from === line.to) seen.grants.set(`${line.bucket}@${line.from}`, (seen.grants.get(`${line.bucket}@${line.from}`) ?? 0) + 1);
  }
}

async function runPerTenant(queueUrl: string): Promise<void> {
  const seen: Seen = { ready: new Set(), grants: new Map(), spans: new Map(), runs: new Map(), waited: 0 };
  const backend = await openBackend(queueUrl);
  const workers = Array.from({ length: processes }, () => start(queueUrl, (line) => record(seen, line)));
  try {
    await until(() => seen.ready.size === processes, 60_000, 'the workers to start');
    // Tenant a's whole backlog first, then tenant b's: a limit shared by both would start b's jobs only after a's.
    const now = Date.now();
    const jobs = ['a', 'b'].flatMap((tenant, t) => Array.from({ length: perTenant }, (_, n) => ({ id: `${tenant}-${String(n).padStart(2, '0')}`, task: 'per-tenant', payload: { tenant }, runAt: now, priority: 0, maxAttempts: 1, createdAt: now + t })));
    await backend.enqueue(jobs);
    await until(() => seen.runs.size === jobs.length, 180_000, 'every job to run');
    for (const { child } of workers) child.kill('SIGTERM');
    expect(await Promise.all(workers.map(({ exited }) => exited))).toEqual([0, 0, 0]);

    expect([...seen.runs.values()].filter((starts) => starts.length !== 1)).toEqual([]);
    const page = await backend.list({ task: 'per-tenant', state: 'succeeded', limit: jobs.length });
    expect(page.total).toBe(jobs.length);
    expect(page.jobs.filter((job) => job.attempts !== 1)).toEqual([]);
    // Jobs over the limit waited for a later window (how many depends on how fast they were claimed), and none failed for it.
    expect(seen.waited).toBeGreaterThan(0);

    expect([...seen.grants].filter(([, count]) => count > limit)).toEqual([]);

    const startsOf = (tenant: string): number[] => [...seen.runs.values()].flat().filter((run) => run.tenant === tenant).map((run) => run.at).sort((x, y) => x - y);
    const [a, b] = [startsOf('a'), startsOf('b')];
    process.stderr.write(`${queueUrl.split(':')[0]}: grants per tenant and window ${[...seen.grants].map(([key, count]) => `${key.slice('per-tenant:'.length)}=${count}`).join(' ')}; ${seen.waited} waits\n`);
    // Each tenant's 20 jobs at 5 per window need 4 windows: its first and last grants are at least 3 windows apart.
    for (const tenant of ['a', 'b']) {
      const span = seen.spans.get(`per-tenant:${tenant}`);
      expect((span?.last ?? 0) - (span?.first ?? 0)).toBeGreaterThanOrEqual(perTenant / limit - 1);
    }
    // Both tenants progress together: b's first job starts before a's backlog is through.
    expect(b[0]).toBeLessThan(a.at(-1) ?? 0);
  } finally {
    for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await backend.close();
  }
}

const queues = await everyBackendQueue('rate-keys', children);

describe('a rate limit per key across three worker processes', () => {
  for (const { label, url, up } of queues) it.skipIf(!up)(`${label}: no tenant over its limit in any window, both progress, one attempt each`, () => runPerTenant(url), 300_000);
});
