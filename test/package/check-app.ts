/**
 * Sends the package test's requests to one of the README's apps, started from a fresh project
 * (test/package/package-test.sh), and checks the answers: a job enqueued, run by the worker and
 * read back with its result; an after-response task; an error as application/problem+json.
 *
 * Usage: tsx test/package/check-app.ts <hono-sqlite|fastify-redis|express-sqlite> <base URL>
 */
import { setTimeout as sleep } from 'node:timers/promises';

const [app, base] = process.argv.slice(2);
if (app === undefined || base === undefined) throw new Error('usage: check-app.ts <app> <base URL>');

async function request(method: string, path: string, body?: unknown): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const response = await fetch(new URL(path, base), {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', json: (await response.json()) as Record<string, unknown> };
}

function expect(what: string, ok: boolean, seen: unknown): void {
  if (!ok) throw new Error(`${app}: ${what}; got ${JSON.stringify(seen)}`);
  console.log(`  ok  ${what}`);
}

/** Polls a job route until the job succeeded (the worker runs it within a second or two). */
async function succeeded(path: string, stateOf: (json: Record<string, unknown>) => unknown): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { json } = await request('GET', path);
    if (stateOf(json) === 'succeeded' || Date.now() > deadline) return json;
    await sleep(100);
  }
}

async function expectProblem(path: string, status: number): Promise<void> {
  const answer = await request('GET', path);
  expect(`GET ${path} is a ${status} problem+json`, answer.status === status && answer.type.startsWith('application/problem+json') && answer.json.status === status, answer);
}

if (app === 'hono-sqlite') {
  const signup = await request('POST', '/signup', { email: 'ada@example.com' });
  expect('POST /signup answers 201', signup.status === 201, signup);
  const invalid = await request('POST', '/signup', { email: 'nope' });
  expect('an invalid body is a 422 problem naming /email', invalid.status === 422 && JSON.stringify(invalid.json.errors).includes('/email'), invalid);
  const welcome = await request('POST', '/welcome', { email: 'grace@example.com' });
  expect('POST /welcome answers 202 with a job id', welcome.status === 202 && typeof welcome.json.id === 'string', welcome);
  const job = await succeeded(`/jobs/${String(welcome.json.id)}`, (json) => json.state);
  expect('the worker ran the job and stored its result', job.state === 'succeeded' && JSON.stringify(job.result) === '{"sentTo":"grace@example.com","lang":"fr"}', job);
  await expectProblem('/items/42', 404);
} else if (app === 'fastify-redis') {
  const images = await request('POST', '/images', { url: 'https://example.com/a.png' });
  expect('POST /images answers 202 with a job id', images.status === 202 && typeof images.json.id === 'string', images);
  const job = await succeeded(`/jobs/${String(images.json.id)}`, (json) => json.state);
  expect('the worker ran the job, the schema default applied', job.state === 'succeeded' && JSON.stringify(job.result) === '{"url":"https://example.com/a.png","width":640,"bytes":0}', job);
  await expectProblem('/jobs/no-such-job', 404);
  await expectProblem('/no-such-route', 404);
} else if (app === 'express-sqlite') {
  const report = await request('POST', '/reports', { account: 'acme' });
  expect('POST /reports answers 202 with a job id', report.status === 202 && typeof report.json.id === 'string', report);
  const job = await succeeded(`/reports/${String(report.json.id)}`, (json) => json.state);
  expect('the worker ran the job, the schema default applied', job.state === 'succeeded' && JSON.stringify(job.result) === '{"file":"acme.csv"}', job);
  await expectProblem('/reports/no-such-job', 404);
} else {
  throw new Error(`unknown app ${app}`);
}
