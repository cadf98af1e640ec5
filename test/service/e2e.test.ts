/**
 * The reference service end to end, started as the README says: built once with `npm run build`,
 * then `node dist/examples/server.js` (what `npm start` runs), with one process and with
 * `--workers 2`. Every route is exercised over real HTTP; mail goes over a real SMTP conversation
 * to the built-in sink; the upload is analysed by a durable job on the SQLite queue.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';
import { startService } from './service-process.js';
import { serviceForTests } from './service-for-tests.js';

const root = resolve(import.meta.dirname, '../..');
const uploadLimit = 64 * 1024;
const redisUp = await redisAvailable();

interface Variant {
  label: string;
  workers: number;
  /** Key prefix of a Redis queue (ERRAND_QUEUE=redis://…), or undefined for the default SQLite queue. */
  redisPrefix?: string;
}

const variants: Variant[] = [
  { label: 'one process', workers: 1 },
  { label: '--workers 2', workers: 2 },
  { label: '--workers 2 and ERRAND_QUEUE=redis://…', workers: 2, redisPrefix: uniqueRedisPrefix('service') },
];

// ERRAND_DIST_BUILT=1 says dist/ was built from these very sources earlier in the same run (CI's
// Node 20 suite built it; tsc's output does not depend on the Node running it): the later Nodes run
// that build instead of making it again (about 14 s of CPU each).
// The build is about 28 s of CPU (tsc, then the peer entries; 57 s of wall at load 3.5, nice 19).
// A nice'd process on two cores at load 26 gets a small share of a core: the old 240 s deadline
// ran out there, and execFile's error gave "Command failed" and stderr only (tsc prints its errors on stdout,
// which that message leaves out). The deadline is against a hang, set far above what a loaded
// machine needs; the error says what happened and shows the build's own output.
const buildDeadlineMs = 900_000;
beforeAll(async () => {
  if (process.env.ERRAND_DIST_BUILT === '1') return;
  await buildDist(buildDeadlineMs);
}, buildDeadlineMs + 30_000);

/** Runs `npm run build` in its own process group; rejects with its exit, elapsed time, load and output. */
function buildDist(deadlineMs: number): Promise<void> {
  const started = Date.now();
  const child = spawn('npm', ['run', 'build'], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    // The end of the output is what names a failure; a runaway log must not grow without bound.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise<void>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // npm, tsc and tsx together: a build left running would rewrite dist/ under the next run.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, deadlineMs);
    const fail = (what: string): void => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const load = loadavg().map((value) => value.toFixed(1)).join(' ');
      reject(new Error(`\`npm run build\` (the reference service's dist/, needed by this file) ${what} after ${seconds} s (load average ${load}); set ERRAND_DIST_BUILT=1 to run a dist/ built beforehand. Its output:\n${output}`));
    };
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(`could not start (${error.message})`);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) fail(`did not finish within its ${deadlineMs / 1000} s deadline and was killed`);
      else if (code === 0) resolve();
      else fail(`failed (${signal === null ? `exit code ${code}` : `signal ${signal}`})`);
    });
  });
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value).slice(0, 2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Mail { id: string; from: string; to: string[]; subject: string; text: string; receivedAt: string }

// Without Redis the Redis variant is left out; redisAvailable() has warned loudly (or thrown under ERRAND_REQUIRE_REDIS=1).
describe.for(variants.filter((variant) => variant.redisPrefix === undefined || redisUp))('the reference service, $label', ({ workers, redisPrefix }) => {
  const queue: Record<string, string> = redisPrefix === undefined ? {} : { ERRAND_QUEUE: `${testRedisUrl}?prefix=${redisPrefix}` };
  const service = serviceForTests(`service-${workers}`, {
    args: ['--workers', String(workers)],
    // 200 users are posted at once below, from one client: above the default per-client write limit (60 a minute).
    env: { UPLOAD_LIMIT_BYTES: String(uploadLimit), WRITE_RATE_LIMIT: '1000', ...queue },
    cleanup: async () => {
      if (redisPrefix !== undefined) await deleteRedisPrefix(redisPrefix);
    },
  });
  const get = (path: string, init?: RequestInit): Promise<Response> => fetch(`${service.url}${path}`, init);
  const post = (path: string, body: unknown): Promise<Response> =>
    get(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const mailbox = async (): Promise<Mail[]> => (await (await get('/dev/mailbox')).json()) as Mail[];

  it('prints where everything is', () => {
    const printed = service.output();
    expect(printed).toContain(service.dataDir);
    expect(printed).toMatch(redisPrefix === undefined ? /queue\s+sqlite / : /queue\s+redis:\/\//);
    expect(printed).toMatch(/smtp sink\s+smtp:\/\/127\.0\.0\.1:\d+/);
    expect(printed).toContain(`${service.url}/dashboard`);
  });

  it(`answers /healthz from ${workers} process(es)`, async () => {
    const answers = await Promise.all(Array.from({ length: 24 }, async () => (await get('/healthz', { headers: { connection: 'close' } })).json() as Promise<{ status: string; pid: number }>));
    expect(answers.every((answer) => answer.status === 'ok')).toBe(true);
    expect(new Set(answers.map((answer) => answer.pid)).size).toBe(workers);
  });

  it('GET /test/{name} echoes the name, and "error" reaches the custom handler: 418', async () => {
    const ok = await get('/test/ada');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: 'ada' });
    const teapot = await get('/test/error');
    expect(teapot.status).toBe(418);
    expect(teapot.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await teapot.json()).toMatchObject({ status: 418, title: "I'm a Teapot", detail: 'Oops! error did something wrong.', instance: '/test/error' });
  });

  it('POST /register answers at once and the welcome email reaches the SMTP sink', async () => {
    const email = `ada.${workers}@example.com`;
    const response = await post('/register', { email });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'Registration successful. You will receive an email shortly.' });
    const viaQuery = await get(`/register?email=${encodeURIComponent(`grace.${workers}@example.com`)}`, { method: 'POST' });
    expect(viaQuery.status).toBe(200);
    const messages = await eventually(mailbox, (list) => list.filter((mail) => /^(ada|grace)\./.test(mail.to[0] ?? '')).length === 2);
    const welcome = messages.find((mail) => mail.to[0] === email)!;
    expect(welcome).toMatchObject({ to: [email], subject: 'Welcome!' });
    expect(welcome.text).toContain('Welcome to our platform!');
    expect(welcome.from).toContain('@');
    expect(Date.parse(welcome.receivedAt)).not.toBeNaN();
  });

  it('POST /register with a missing or invalid email answers 422 problem+json', async () => {
    for (const response of [await post('/register', {}), await post('/register', { email: 'not-an-email' })]) {
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as { errors: { loc: unknown[] }[] };
      expect(problem.errors[0]?.loc).toContain('email');
    }
  });

  it('POST /upload answers 202 with Location, and the job computes the sha256', async () => {
    const csv = 'name,city\nada,London\ngrace,New York\nalan,Wilmslow\n';
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'people.csv');
    const response = await get('/upload', { method: 'POST', body: form });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { jobId: string; status: string };
    expect(response.headers.get('location')).toBe(`/jobs/${accepted.jobId}`);
    expect(accepted.status).toBe('queued');
    const job = await eventually(
      async () => (await get(`/jobs/${accepted.jobId}`)).json() as Promise<{ state: string; result: Record<string, unknown> }>,
      // `result !== null` too: the Redis backend's get() reads the job hash before its state, so a
      // read racing the completion can say succeeded with no result yet (reported to its owner).
      (value) => (value.state === 'succeeded' && value.result !== null) || value.state === 'dead',
    );
    expect(job).toMatchObject({ id: accepted.jobId, task: 'analyze-upload', state: 'succeeded', attempts: 1 });
    expect(job.result).toMatchObject({
      bytes: Buffer.byteLength(csv),
      sha256: createHash('sha256').update(csv).digest('hex'),
      lines: 4,
      words: 5,
      csv: { rows: 3, columns: 2 },
    });
  });

  it.for([
    ['refused on its Content-Length', uploadLimit * 4],
    ['cut off while streaming', uploadLimit + 1_024],
  ] as const)('POST /upload past the limit answers 413 and leaves no file behind (%s)', async ([, size]) => {
    const before = readdirSync(join(service.dataDir, 'uploads'));
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(size)]), 'big.bin');
    const response = await get('/upload', { method: 'POST', body: form });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(readdirSync(join(service.dataDir, 'uploads'))).toEqual(before);
  });

  it('GET /jobs/{id} of an unknown job answers 404 problem+json', async () => {
    const response = await get('/jobs/00000000-0000-4000-8000-000000000000');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, code: 'ERRAND_JOB_NOT_FOUND' });
  });

  it('200 concurrent POST /users yield exactly 200 intact lines in users.txt', async () => {
    const responses = await Promise.all(Array.from({ length: 200 }, (_, index) => post('/users', { name: `user ${index} ${'·'.repeat(80)}`, email: `u${index}@example.com`, age: index % 90 })));
    expect(responses.map((response) => response.status)).toEqual(Array(200).fill(202));
    const users = await eventually(async () => (await get('/users')).json() as Promise<{ email: string }[]>, (list) => list.length >= 200);
    expect(users).toHaveLength(200);
    const lines = readFileSync(join(service.dataDir, 'users.txt'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(200);
    const emails = lines.map((line) => (JSON.parse(line) as { email: string }).email);
    expect(new Set(emails)).toEqual(new Set(Array.from({ length: 200 }, (_, index) => `u${index}@example.com`)));
  });

  it('POST /users validates the body: 422 names each failing field', async () => {
    const response = await post('/users', { name: '', email: 'nope', age: -1 });
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { errors: { pointer: string }[] };
    expect(problem.errors.map((error) => error.pointer).sort()).toEqual(['/age', '/email', '/name']);
  });

  it('POST /orders runs audit, confirmation email and stats in the order added', async () => {
    const response = await post('/orders', { item: 'teapot', quantity: 2, email: `buyer.${workers}@example.com` });
    expect(response.status).toBe(202);
    const { orderId } = (await response.json()) as { orderId: string };
    const order = await eventually(
      async () => (await get(`/orders/${orderId}`)).json() as Promise<{ steps: { step: string; startedAt: string; finishedAt: string }[] }>,
      (value) => value.steps.length === 3,
    );
    expect(order.steps.map((step) => step.step)).toEqual(['audit', 'confirmation-email', 'stats']);
    for (let index = 1; index < order.steps.length; index += 1) {
      expect(Date.parse(order.steps[index].startedAt)).toBeGreaterThanOrEqual(Date.parse(order.steps[index - 1].finishedAt));
    }
    const mails = await mailbox();
    expect(mails.find((mail) => mail.to[0] === `buyer.${workers}@example.com`)?.text).toContain(orderId);
    expect((await get('/orders/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('unknown paths get the custom 404 naming method and path; wrong methods get 405 with Allow', async () => {
    const missing = await get('/no/such/thing', { method: 'PUT' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await missing.json()).toMatchObject({ status: 404, detail: 'No route for PUT /no/such/thing', instance: '/no/such/thing' });
    const wrong = await get('/users', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await wrong.json()).toMatchObject({ status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED' });
  });

  it('serves the dashboard, whose API shows the queue and the dev mailbox', async () => {
    const page = await get('/dashboard');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const slash = await get('/dashboard/', { redirect: 'manual' });
    expect(slash.status).toBe(308);
    expect(slash.headers.get('location')).toBe('/dashboard');
    await slash.body?.cancel();
    const stats = (await (await get('/dashboard/api/stats')).json()) as { counts: Record<string, number> };
    expect(stats.counts.succeeded).toBeGreaterThanOrEqual(2); // the welcome emails and the upload
    const mail = JSON.stringify(await (await get('/dashboard/api/mailbox')).json());
    expect(mail).toContain(`ada.${workers}@example.com`);
    expect(mail).toContain('Welcome to our platform!');
  });

  it('serves /metrics: request, enqueue and job-outcome counters in one process, shared queue gauges in every process', async () => {
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/errand_queue_jobs\{state="succeeded"\} [1-9]/);
    // Counters are per process; under --workers the request may reach either HTTP process and the
    // durable worker runs in the primary, which serves no HTTP.
    if (workers !== 1) return;
    expect(metrics).toMatch(/errand_jobs_enqueued_total\{task="analyze-upload"\} 1/);
    expect(metrics).toMatch(/errand_http_requests_total\{[^}]*status="418"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/errand_jobs_succeeded_total\{task="analyze-upload"\} 1/);
  });

  it('stops gracefully on SIGTERM', async () => {
    const code = await service.stop();
    expect(code).toBe(0);
    expect(service.output()).toMatch(/stopped/);
  });
});

describe('the reference service on a port already taken', () => {
  it.for([1, 2])('exits with 1 before it is ready (--workers %i), rather than retrying forever', async (workers) => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    const dataDir = mkdtempSync(join(tmpdir(), 'errand-service-busy-'));
    try {
      await expect(startService({ cwd: root, dataDir, args: ['--workers', String(workers)], env: { PORT: String(port) } })).rejects.toThrow(/exited with 1 before it was ready[\s\S]*EADDRINUSE/);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
