// The hostile requests every host's attack app (attack-app.fixture.ts, production mode, its own
// process) must answer the same way: errand's problem+json with its code and the request id, no
// stack, no internal message, and the process alive and shutting down cleanly at SIGTERM after.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, sendRaw, startAttackApp, type AttackApp, type AttackHost, type RawAnswer } from './attack-client.js';

const token = 'attack-token-0123456789';
const bearer = { Authorization: `Bearer ${token}` };
const json = { 'Content-Type': 'application/json' };

/** What a row expects: the same on every host unless `hosts` says otherwise for one. */
interface Expected {
  status: number;
  /** errand's `code`; `undefined` for a success. */
  code?: string;
  /** Header values the answer must carry. */
  headers?: Record<string, string>;
}

interface HostileRequest extends Expected {
  name: string;
  request: string | Buffer;
  hosts?: Partial<Record<AttackHost, Expected>>;
}

const valid = '{"name":"a","qty":1}';
const nodeMajor = Number(process.versions.node.split('.')[0]);

export const hostileRequests: HostileRequest[] = [
  { name: 'an unknown path', request: rawRequest('GET', '/nope'), status: 404, code: 'ERRAND_NOT_FOUND' },
  { name: 'a method the path is not routed for', request: rawRequest('DELETE', '/items/x'), status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED', headers: { allow: 'GET, HEAD' } },
  { name: 'OPTIONS on a routed path', request: rawRequest('OPTIONS', '/items/x'), status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED', headers: { allow: 'GET, HEAD' } },
  { name: 'TRACE', request: rawRequest('TRACE', '/items/x'), status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED' },
  { name: 'a method no route uses (PROPFIND)', request: rawRequest('PROPFIND', '/items/x'), status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED' },
  { name: 'a malformed escape in a parameter', request: rawRequest('GET', '/items/%zz'), status: 400, code: 'ERRAND_BAD_URL' },
  { name: 'a malformed escape off any route', request: rawRequest('GET', '/nope/%'), status: 400, code: 'ERRAND_BAD_URL' },
  { name: 'an overlong UTF-8 escape', request: rawRequest('GET', '/items/%c0%af'), status: 400, code: 'ERRAND_BAD_URL' },
  { name: 'malformed JSON', request: rawRequest('POST', '/items', json, '{"name":'), status: 400, code: 'ERRAND_MALFORMED_JSON' },
  { name: 'an empty JSON body', request: rawRequest('POST', '/items', json, ''), status: 422, code: 'ERRAND_VALIDATION_FAILED' },
  { name: 'a JSON array nested 30,000 deep', request: rawRequest('POST', '/items', json, `${'['.repeat(30_000)}${']'.repeat(30_000)}`), status: 422, code: 'ERRAND_VALIDATION_FAILED' },
  { name: 'a JSON object nested 15,000 deep', request: rawRequest('POST', '/items', json, `${'{"a":'.repeat(15_000)}1${'}'.repeat(15_000)}`), status: 422, code: 'ERRAND_VALIDATION_FAILED' },
  {
    name: 'a __proto__ member',
    request: rawRequest('POST', '/items', json, '{"name":"a","qty":1,"__proto__":{"polluted":true}}'),
    status: 201,
    // Fastify's parser (secure-json-parse) refuses prototype poisoning outright.
    hosts: { fastify: { status: 400, code: 'ERRAND_MALFORMED_JSON' } },
  },
  {
    name: 'a constructor.prototype member',
    request: rawRequest('POST', '/items', json, '{"name":"a","qty":1,"constructor":{"prototype":{"polluted":true}}}'),
    status: 201,
    hosts: { fastify: { status: 400, code: 'ERRAND_MALFORMED_JSON' } },
  },
  { name: 'invalid UTF-8 inside a JSON string', request: Buffer.concat([Buffer.from(rawRequest('POST', '/items', { ...json, 'Content-Length': 20 })), Buffer.from('7b226e616d65223a22fffe222c2271223a317d20', 'hex')]), status: 422, code: 'ERRAND_VALIDATION_FAILED' },
  { name: 'a lone surrogate escape', request: rawRequest('POST', '/items', json, '{"name":"\\ud800","qty":1}'), status: 201 },
  {
    name: 'a body declared gzip that is not gzip',
    request: rawRequest('POST', '/items', { ...json, 'Content-Encoding': 'gzip' }, 'not gzip at all'),
    // Only body-parser decodes Content-Encoding; Fastify and Hono read the bytes as JSON.
    status: 400,
    code: 'ERRAND_MALFORMED_JSON',
    hosts: { express: { status: 400, code: 'ERRAND_BAD_CONTENT_ENCODING' } },
  },
  {
    name: 'a gzip body cut short',
    request: Buffer.concat([Buffer.from(rawRequest('POST', '/items', { ...json, 'Content-Encoding': 'gzip', 'Content-Length': 12 })), gzipSync(valid).subarray(0, 12)]),
    status: 400,
    code: 'ERRAND_MALFORMED_JSON',
    hosts: { express: { status: 400, code: 'ERRAND_BAD_CONTENT_ENCODING' } },
  },
  {
    name: 'a body declared deflate that is not',
    request: rawRequest('POST', '/items', { ...json, 'Content-Encoding': 'deflate' }, valid),
    // Fastify and Hono ignore the header and parse the (valid) JSON.
    status: 201,
    hosts: { express: { status: 400, code: 'ERRAND_BAD_CONTENT_ENCODING' } },
  },
  { name: 'a form on a JSON route', request: rawRequest('POST', '/items', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'a=1'), status: 415, code: 'ERRAND_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'a body without a content type', request: rawRequest('POST', '/items', {}, valid), status: 415, code: 'ERRAND_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'a declared body over the limit', request: rawRequest('POST', '/items', { ...json, 'Content-Length': 5_000_000 }, ''), status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE' },
  {
    name: 'a chunked body over the limit',
    request: rawRequest('POST', '/items', { ...json, 'Transfer-Encoding': 'chunked' }, `${`10000\r\n${'a'.repeat(0x10000)}\r\n`.repeat(20)}0\r\n\r\n`),
    status: 413,
    code: 'ERRAND_PAYLOAD_TOO_LARGE',
  },
  { name: 'an X-Request-Id of 5,000 characters', request: rawRequest('GET', '/nope', { 'X-Request-Id': 'a'.repeat(5_000) }), status: 404, code: 'ERRAND_NOT_FOUND' },
  { name: 'an X-Request-Id with markup and quotes', request: rawRequest('GET', '/nope', { 'X-Request-Id': '<script>"\'' }), status: 404, code: 'ERRAND_NOT_FOUND' },
  { name: 'an X-Request-Id with a Latin-1 byte', request: rawRequest('GET', '/nope', { 'X-Request-Id': 'abc\u00e9' }), status: 404, code: 'ERRAND_NOT_FOUND' },
  {
    name: '2,000 headers',
    request: `GET /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${Array.from({ length: 2_000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
    // Where Node itself differs: Node 20's parser keeps the first 1,000 headers, drops the rest
    // without counting their bytes against maxHeaderSize, and hands the request on (404 here);
    // Node 22 and later refuse the header block (HPE_HEADER_OVERFLOW; 1,500 headers of 9 KB too),
    // which errand answers as 431 on the socket.
    ...(nodeMajor >= 22 ? { status: 431, code: 'ERRAND_HEADERS_TOO_LARGE' } : { status: 404, code: 'ERRAND_NOT_FOUND' }),
  },
  // Requests Node's HTTP parser refuses before any host sees them: errand answers them on the socket.
  { name: 'a single header of 20 KB', request: rawRequest('GET', '/nope', { 'X-Big': 'a'.repeat(20 * 1024) }), status: 431, code: 'ERRAND_HEADERS_TOO_LARGE' },
  { name: 'a URL of 20 KB', request: rawRequest('GET', `/items/${'a'.repeat(20 * 1024)}`), status: 431, code: 'ERRAND_HEADERS_TOO_LARGE' },
  { name: 'a malformed request line', request: 'GET/ nope\r\nHost: localhost\r\n\r\n', status: 400, code: 'ERRAND_MALFORMED_REQUEST' },
  { name: 'a header with a bare CR', request: 'GET /nope HTTP/1.1\r\nHost: localhost\r\nX-A: a\rb\r\nConnection: close\r\n\r\n', status: 400, code: 'ERRAND_MALFORMED_REQUEST' },
  { name: 'a header name with a space', request: 'GET /nope HTTP/1.1\r\nHost: localhost\r\nX A: b\r\nConnection: close\r\n\r\n', status: 400, code: 'ERRAND_MALFORMED_REQUEST' },
  { name: 'a Content-Length that is not a number', request: rawRequest('POST', '/items', { ...json, 'Content-Length': 'abc' }), status: 400, code: 'ERRAND_MALFORMED_REQUEST' },
  { name: 'both Content-Length and Transfer-Encoding', request: rawRequest('POST', '/items', { ...json, 'Content-Length': 5, 'Transfer-Encoding': 'chunked' }, '0\r\n\r\n'), status: 400, code: 'ERRAND_MALFORMED_REQUEST' },
  { name: 'an HTTP/2 preface', request: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', status: 400, code: 'ERRAND_MALFORMED_REQUEST' },
  { name: 'prototype keys in the query', request: rawRequest('GET', '/nope?__proto__[a]=1&constructor[prototype][b]=2'), status: 404, code: 'ERRAND_NOT_FOUND' },
  { name: 'an Error thrown with a secret message', request: rawRequest('GET', '/throw/error'), status: 500, code: 'ERRAND_INTERNAL' },
  { name: 'a thrown string', request: rawRequest('GET', '/throw/string'), status: 500, code: 'ERRAND_INTERNAL' },
  { name: 'a rejected plain object with a status', request: rawRequest('GET', '/throw/object'), status: 500, code: 'ERRAND_INTERNAL' },
  { name: 'a rejected null', request: rawRequest('GET', '/throw/null'), status: 500, code: 'ERRAND_INTERNAL' },
  { name: 'a task that throws', request: rawRequest('GET', '/task/throws'), status: 200 },
  { name: 'a task that rejects with a string', request: rawRequest('GET', '/task/rejects'), status: 200 },
  { name: 'an unknown job', request: rawRequest('GET', '/jobs/nope'), status: 404, code: 'ERRAND_JOB_NOT_FOUND' },
  { name: 'a job id with a malformed escape', request: rawRequest('GET', '/jobs/%zz'), status: 400, code: 'ERRAND_BAD_URL' },
  { name: "the dashboard's page without credentials", request: rawRequest('GET', '/admin/queue'), status: 401, code: 'ERRAND_UNAUTHORIZED', headers: { 'www-authenticate': 'Basic realm="errand dashboard", charset="UTF-8"' } },
  { name: "the dashboard's script without credentials", request: rawRequest('GET', '/admin/queue/assets/dashboard.js'), status: 401, code: 'ERRAND_UNAUTHORIZED' },
  { name: "the dashboard's API without credentials", request: rawRequest('GET', '/admin/queue/api/jobs'), status: 401, code: 'ERRAND_UNAUTHORIZED' },
  { name: "the dashboard's API with a wrong token", request: rawRequest('GET', '/admin/queue/api/jobs', { Authorization: 'Bearer nope' }), status: 401, code: 'ERRAND_UNAUTHORIZED' },
  { name: "the dashboard's API with basic credentials that are not base64", request: rawRequest('GET', '/admin/queue/api/jobs', { Authorization: 'Basic %%%' }), status: 401, code: 'ERRAND_UNAUTHORIZED' },
  { name: 'dot segments toward a file outside the dashboard', request: rawRequest('GET', '/admin/queue/assets/../../../etc/passwd', bearer), status: 404, code: 'ERRAND_NOT_FOUND' },
  { name: 'encoded dot segments toward a file', request: rawRequest('GET', '/admin/queue/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd', bearer), status: 404, code: 'ERRAND_NOT_FOUND' },
  { name: 'encoded slashes toward a file', request: rawRequest('GET', '/admin/queue/assets/..%2f..%2fpackage.json', bearer), status: 404, code: 'ERRAND_NOT_FOUND' },
  { name: "the dashboard's API with bad list values", request: rawRequest('GET', '/admin/queue/api/jobs?limit=-5&state=zz', bearer), status: 422, code: 'ERRAND_VALIDATION_FAILED' },
  { name: "an unknown path of the dashboard's API", request: rawRequest('GET', '/admin/queue/api/nope', bearer), status: 404, code: 'ERRAND_NOT_FOUND' },
  { name: 'a dashboard action without the CSRF token', request: rawRequest('POST', '/admin/queue/api/jobs/retry-dead', { Authorization: `Basic ${Buffer.from(`ops:${token}`).toString('base64')}` }, ''), status: 403, code: 'ERRAND_CSRF' },
  { name: 'a dashboard action from another site', request: rawRequest('POST', '/admin/queue/api/jobs/retry-dead', { ...bearer, Origin: 'https://evil.example' }, ''), status: 403, code: 'ERRAND_CSRF' },
  { name: 'a method the dashboard does not route', request: rawRequest('PUT', '/admin/queue/api/jobs', bearer, ''), status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED', headers: { allow: 'GET, HEAD' } },
  { name: 'a declared body over the limit to the dashboard', request: rawRequest('POST', '/admin/queue/api/jobs/retry-dead', { ...bearer, 'Content-Type': 'application/json', 'Content-Length': 5_000_000 }, ''), status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE' },
  { name: 'a malformed escape in the dashboard', request: rawRequest('GET', '/admin/queue/api/jobs/%zz', bearer), status: 400, code: 'ERRAND_BAD_URL' },
];

/** Strings of the app's secrets and of a stack: none may reach a client. */
const leaks = [/hunter2/, /\/srv\/app/, /ENOENT/, /\n\s+at /, /"stack"/, /"cause"/, /HPE_/, /Parse Error/, /Z_[A-Z]+_ERROR/, /incorrect header check/, /unexpected end of file/];

function expectedFor(row: HostileRequest, host: AttackHost): Expected {
  return row.hosts?.[host] ?? row;
}

function checkAnswer(answer: RawAnswer, expected: Expected): void {
  expect(answer.timedOut, 'the server left the connection open').toBe(false);
  expect(answer.status).toBe(expected.status);
  for (const pattern of leaks) expect(answer.body).not.toMatch(pattern);
  const requestId = answer.headers['x-request-id'];
  expect(requestId, 'X-Request-Id').toMatch(/^[\w.:-]{1,128}$/);
  for (const [name, value] of Object.entries(expected.headers ?? {})) expect(answer.headers[name]).toBe(value);
  if (expected.status < 400) return;
  expect(answer.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(answer.body.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '')) as Record<string, unknown>;
  expect(body.code).toBe(expected.code);
  expect(body.status).toBe(expected.status);
  expect(body.requestId).toBe(requestId);
}

/** The suite for one host: every hostile request, then the process's liveness and its clean exit. */
export function describeHostileRequests(host: AttackHost): void {
  describe(`hostile requests to a production ${host} app`, () => {
    let app: AttackApp;
    beforeAll(async () => {
      app = await startAttackApp(host);
    });
    afterAll(async () => {
      if (app.child.exitCode === null) await app.stop();
    });

    it.each(hostileRequests)('$name', async (row) => {
      checkAnswer(await sendRaw(app.port, row.request), expectedFor(row, host));
    });

    it('lives through them and exits 0 at SIGTERM', async () => {
      const alive = await sendRaw(app.port, rawRequest('GET', '/items/alive'));
      expect(alive.status).toBe(200);
      expect(await app.stop()).toBe(0);
      expect(app.output.join('\n')).not.toMatch(/uncaught|unhandled/i);
    });
  });
}
