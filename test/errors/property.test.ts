import fc from 'fast-check';
import { Agent, request, validateHeaderValue } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from './app-under-test.js';

let app: Awaited<ReturnType<typeof startApp>>;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  agent.destroy();
  await app.close();
});

interface Sample {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 40 }).filter((value) => {
  try {
    validateHeaderValue('x', value);
    return true;
  } catch {
    return false;
  }
});

const sample: fc.Arbitrary<Sample> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'QUERY'),
  path: fc.oneof(
    fc.constantFrom('/items', '/items/1', '/items/x', '/search', '/search?q=', '/headers', '/', '/items/1/extra', '//items'),
    fc.webPath().map((path) => path || '/'),
    fc.string({ maxLength: 30 }).map((text) => '/' + encodeURIComponent(text)),
    fc.webQueryParameters().map((query) => `/search?${query}`),
  ),
  headers: fc.record(
    {
      'content-type': fc.oneof(fc.constantFrom('application/json', 'application/problem+json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8'), headerValue),
      'x-request-id': headerValue,
      'x-token': headerValue,
      accept: headerValue,
    },
    { requiredKeys: [] },
  ),
  body: fc.option(
    fc.oneof(
      fc.json(),
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((value) => JSON.stringify({ name: value, qty: value })),
      fc.constantFrom('{', '{"name":', 'null', '[]', '{"name":"a","qty":1}', '\u0000', 'x'.repeat(1500)),
    ),
    { nil: undefined },
  ),
});

interface Answer {
  status: number;
  contentType: string | undefined;
  requestId: string | undefined;
  body: string;
}

function send(input: Sample): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A body always declares its length: without it the bytes would be parsed as the next request.
    const headers = input.body === undefined ? input.headers : { ...input.headers, 'content-length': String(Buffer.byteLength(input.body)) };
    const req = request(`${app.url}${input.path}`, { method: input.method, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], requestId: res.headers['x-request-id'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end(input.body);
  });
}

function check(input: Sample, answer: Answer): void {
  const label = `${input.method} ${input.path} → ${answer.status} ${answer.body.slice(0, 200)}`;
  expect(answer.status, label).toBeLessThan(500);
  expect(answer.body, label).not.toMatch(/\n\s+at |node_modules|\.ts:\d|ZodError|TypeError|SyntaxError/);
  if (answer.status >= 400) {
    expect(answer.contentType, label).toBe('application/problem+json');
    expect(answer.requestId, label).toBeTruthy();
    if (input.method !== 'HEAD') expect(JSON.parse(answer.body), label).toMatchObject({ status: answer.status, requestId: answer.requestId });
  }
}

/**
 * Runs of 50 requests: PROPERTY_RUNS, else 200 (10,000 requests). CI runs the 200 on Node 20 and 40
 * (2,000 requests) on each later Node, as it does with CRASH_KILLS: the answers come from errand's
 * own code, the same on every Node, and each Node still meets its own HTTP parser.
 */
const runs = Number(process.env.PROPERTY_RUNS ?? 200);

describe(`errand under ${(runs * 50).toLocaleString('en')} malformed requests`, () => {
  it('never answers an unintended 5xx, never leaks internals, always problem+json for errors', async () => {
    // Runs of 50 concurrent requests over keep-alive, shrinkable per batch.
    await fc.assert(
      fc.asyncProperty(fc.array(sample, { minLength: 50, maxLength: 50 }), async (batch) => {
        const answers = await Promise.all(batch.map(send));
        batch.forEach((input, index) => check(input, answers[index]));
      }),
      { numRuns: runs },
    );
    // 30 s on an idle two-core machine, twice that at load 20: a deadline against a hang, not a speed figure.
  }, 300_000);
});
