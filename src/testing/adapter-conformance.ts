/**
 * The one behaviour suite every host adapter must pass (Hono, Fastify, Express): the same app (same
 * routes, same registry, same schema) on each host, and one table of inputs that must give the same
 * status, `code`, headers and `errors[]` everywhere, over real sockets.
 *
 * A host's test file builds the app below with its own API and calls
 * `describeAdapterConformance('fastify', { start })`. The app, in production mode, with
 * `bodyLimit: context.bodyLimit`, `registry` and `logger` from the context:
 *
 * | route | does |
 * |---|---|
 * | `GET /items` | 200 `[]` |
 * | `POST /items` | `validate('json', context.itemSchema)`, then 201 with the validated item (`jsonResponse`) |
 * | `GET /items/:name` | 200 `{ name }` |
 * | `GET /throw/string`, `/throw/object`, `/throw/undefined` | throws `'a string'`, `{ message: 'a plain object' }`, `undefined` |
 * | `GET /after-headers` | sends status 200 and a first chunk `partial`, then throws `Error('failed mid-body')` |
 * | `GET /task-fails` | adds `context.failingTask` as an after-response task, answers 200 `ok` |
 * | `POST /jobs` | `acceptedJob` for `await context.enqueue()` (202, `Location: /jobs/{id}`) |
 * | `GET /jobs/:id` | the host's `jobsRoutes(context.queue)` mounted at `/jobs` |
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ErrandLogger } from '../logging/errand-logger.js';
import { createMemoryBackend } from '../backends/memory/memory-backend.js';
import { createErrorRegistry, type ErrorRegistry } from '../errors/error-registry.js';
import { defineTask } from '../jobs/define-task.js';
import { createQueue, type Queue } from '../jobs/queue.js';
import { sendRequest, type ConformanceRequest, type ConformanceResponse } from './adapter-conformance-client.js';
import { conformanceItemSchema } from './adapter-conformance-schema.js';
import { eventually } from './conformance-helpers.js';
import { memoryLogger } from './memory-logger.js';

export { conformanceItemSchema, type ConformanceItem } from './adapter-conformance-schema.js';

/** What the host's app is built from: the same objects on every host. */
export interface AdapterConformanceContext {
  readonly registry: ErrorRegistry;
  readonly logger: ErrandLogger;
  readonly bodyLimit: number;
  readonly itemSchema: typeof conformanceItemSchema;
  /** Where `POST /jobs` enqueues and `GET /jobs/:id` reads. */
  readonly queue: Queue;
  /** Enqueues the conformance job; resolves to its id. */
  enqueue(this: void): Promise<string>;
  /** The after-response task of `GET /task-fails`: it always rejects with `Error('the task exploded')`. */
  failingTask(this: void): Promise<void>;
}

/** A started host: the port it listens on (127.0.0.1), and how to stop it. */
export interface ConformanceServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Options of {@link describeAdapterConformance}. */
export interface AdapterConformanceOptions {
  /** Builds the app on this host and listens on port 0. */
  start(context: AdapterConformanceContext): Promise<ConformanceServer>;
  /**
   * Rows this host is known to fail, each with the reason; they are skipped, and named as known
   * failures in the report. Only for a defect reported and being fixed, never to hide one.
   * @default {}
   */
  knownFailures?: Readonly<Record<string, string>>;
}

/** What a row expects, the same on every host. */
interface Expected {
  status: number;
  code?: string;
  allow?: string;
  /** The JSON Pointers of `errors[]`, in order. */
  pointers?: string[];
}

interface Row {
  name: string;
  request: ConformanceRequest;
  expected: Expected;
}

const json = { 'content-type': 'application/json' };
const tooLarge = JSON.stringify({ name: 'x'.repeat(2_000), qty: 1, tags: [] });

/** The table: one input, one answer, on every host. */
export const conformanceRows: readonly Row[] = [
  { name: 'malformed JSON', request: { method: 'POST', path: '/items', headers: json, body: '{"name": ' }, expected: { status: 400, code: 'ERRAND_MALFORMED_JSON' } },
  { name: 'empty JSON body (a missing required body, as FastAPI answers)', request: { method: 'POST', path: '/items', headers: json, body: '' }, expected: { status: 422, code: 'ERRAND_VALIDATION_FAILED', pointers: [''] } },
  { name: 'form body on a JSON route', request: { method: 'POST', path: '/items', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=tea&qty=1' }, expected: { status: 415, code: 'ERRAND_UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'three invalid fields, every one listed', request: { method: 'POST', path: '/items', headers: json, body: '{"name":"","qty":-1.5,"tags":[1]}' }, expected: { status: 422, code: 'ERRAND_VALIDATION_FAILED', pointers: ['/name', '/qty', '/tags/0'] } },
  { name: 'bad URL escape', request: { path: '/items/%zz' }, expected: { status: 400, code: 'ERRAND_BAD_URL' } },
  { name: 'wrong method', request: { method: 'DELETE', path: '/items' }, expected: { status: 405, code: 'ERRAND_METHOD_NOT_ALLOWED', allow: 'GET, HEAD, POST' } },
  { name: 'unknown path', request: { path: '/nowhere' }, expected: { status: 404, code: 'ERRAND_NOT_FOUND' } },
  { name: 'oversize body, declared Content-Length', request: { method: 'POST', path: '/items', headers: json, body: tooLarge }, expected: { status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE' } },
  { name: 'oversize body, chunked', request: { method: 'POST', path: '/items', headers: json, chunks: [tooLarge.slice(0, 1_000), tooLarge.slice(1_000)] }, expected: { status: 413, code: 'ERRAND_PAYLOAD_TOO_LARGE' } },
  { name: 'a thrown string', request: { path: '/throw/string' }, expected: { status: 500, code: 'ERRAND_INTERNAL' } },
  { name: 'a thrown plain object', request: { path: '/throw/object' }, expected: { status: 500, code: 'ERRAND_INTERNAL' } },
  { name: 'a thrown undefined', request: { path: '/throw/undefined' }, expected: { status: 500, code: 'ERRAND_INTERNAL' } },
  { name: 'a valid body', request: { method: 'POST', path: '/items', headers: json, body: '{"name":"tea","qty":2,"tags":["hot"]}' }, expected: { status: 201 } },
];

/** The rows that are tests of their own, by name (for `knownFailures`). */
export const afterHeadersRow = 'an error after the headers were sent: the response is cut, logged once, no second response';
export const failingTaskRow = 'a task that fails after a 200: the client is not affected, the failure is logged once with the request id';

function checkProblem(response: ConformanceResponse, expected: Expected, requestId: string, path: string): void {
  expect(response.status).toBe(expected.status);
  expect(response.headers['x-request-id']).toBe(requestId);
  if (expected.status < 400) return;
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.json).toMatchObject({ type: 'about:blank', status: expected.status, code: expected.code, requestId, instance: path.split('?')[0] });
  expect(response.headers.allow).toBe(expected.allow);
  if (expected.pointers !== undefined) {
    const errors = (response.json?.errors ?? []) as { pointer: string; loc: unknown[] }[];
    expect(errors.map((error) => error.pointer)).toEqual(expected.pointers);
    for (const error of errors) expect(error.loc[0]).toBe('body');
  } else expect(response.json).not.toHaveProperty('errors');
  // Production: no internals of a 5xx reach the client.
  if (expected.status >= 500) expect(response.text).not.toMatch(/a plain object|a string|stack/);
}

/**
 * Registers the adapter conformance suite under `describe(\`${name} adapter conformance\`)`.
 *
 * @example
 * describeAdapterConformance('express', { start: async (context) => listen(buildExpressApp(context)) })
 */
export function describeAdapterConformance(name: string, options: AdapterConformanceOptions): void {
  describe(`${name} adapter conformance`, () => {
    const { logger, lines } = memoryLogger();
    const queue = createQueue({ backend: createMemoryBackend() });
    const job = defineTask('conformance-job', { handler: () => 'done' });
    const context: AdapterConformanceContext = {
      registry: createErrorRegistry({ logger }),
      logger,
      bodyLimit: 1_024,
      itemSchema: conformanceItemSchema,
      queue,
      enqueue: () => queue.enqueue(job, {}),
      failingTask: async function failingTask() {
        await Promise.resolve();
        throw new Error('the task exploded');
      },
    };
    let server: ConformanceServer | undefined;
    const port = async (): Promise<number> => (server ??= await options.start(context)).port;
    let counter = 0;
    const nextId = (): string => `conf-${name}-${++counter}`;

    describe.sequential('same input, same answer', () => {
      for (const { name: row, request, expected } of conformanceRows) {
        const reason = options.knownFailures?.[row];
        (reason === undefined ? it : it.skip)(reason === undefined ? row : `${row} (known failure: ${reason})`, async () => {
          const requestId = nextId();
          const response = await sendRequest(await port(), { ...request, headers: { ...request.headers, 'x-request-id': requestId } });
          checkProblem(response, expected, requestId, request.path);
        });
      }

      const known = (row: string): ((name: string, test: () => Promise<void>) => void) => (options.knownFailures?.[row] === undefined ? it : it.skip);

      known(afterHeadersRow)(afterHeadersRow, async () => {
        const requestId = nextId();
        const response = await sendRequest(await port(), { path: '/after-headers', headers: { 'x-request-id': requestId } });
        expect(response.status).toBe(200);
        expect(response.text).toBe('partial');
        expect(response.text).not.toContain('problem');
        const logged = await eventually(() => {
          const found = lines.filter((line) => line.requestId === requestId && line.level === 50);
          return found.length > 0 ? found : undefined;
        });
        expect(logged).toHaveLength(1);
      });

      known(failingTaskRow)(failingTaskRow, async () => {
        const requestId = nextId();
        const response = await sendRequest(await port(), { path: '/task-fails', headers: { 'x-request-id': requestId } });
        expect(response.status).toBe(200);
        expect(response.text).toBe('ok');
        await eventually(() => lines.some((line) => line.requestId === requestId && JSON.stringify(line).includes('the task exploded')) || undefined);
        // Anything else logged late for it would show up by now.
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(lines.filter((line) => line.requestId === requestId && JSON.stringify(line).includes('the task exploded'))).toHaveLength(1);
      });

      it('a job accepted with 202 and Location, its status at /jobs/{id}, an unknown id 404', async () => {
        const requestId = nextId();
        const accepted = await sendRequest(await port(), { method: 'POST', path: '/jobs', headers: { 'x-request-id': requestId } });
        expect(accepted.status).toBe(202);
        expect(accepted.headers['content-type']).toMatch(/^application\/json/);
        const location = accepted.headers.location ?? '';
        expect(location).toMatch(/^\/jobs\/[^/]+$/);
        expect(accepted.json).toEqual({ jobId: location.slice('/jobs/'.length), status: 'queued', location });
        const status = await sendRequest(await port(), { path: location });
        expect(status.status).toBe(200);
        expect(status.headers['cache-control']).toBe('no-store');
        expect(status.json).toMatchObject({ id: accepted.json?.jobId, task: 'conformance-job', state: 'queued', attempts: 0 });
        const unknown = await sendRequest(await port(), { path: '/jobs/no-such-job', headers: { 'x-request-id': `${requestId}-404` } });
        checkProblem(unknown, { status: 404, code: 'ERRAND_JOB_NOT_FOUND' }, `${requestId}-404`, '/jobs/no-such-job');
      });

      it("a failed job's status hides its internal error in production, as every error answer does", async () => {
        // A job whose handler hit an internal fault: the dashboard shows all of it, a status route anyone can poll must not.
        const id = await queue.enqueue(job, {});
        // Every queued conformance job is claimed (the 202 test's too): this one is among them.
        const claimed = (await queue.backend.claim({ workerId: `conformance-${name}`, tasks: [job.name], limit: 100, leaseMs: 60_000, waitMs: 0 })).find((one) => one.jobId === id);
        if (claimed === undefined) throw new Error('the conformance job was not claimed');
        const internal = { type: 'about:blank', title: 'Error', status: 500, detail: "ENOENT: no such file or directory, open '/srv/secret/uploads/a.csv'", code: 'ENOENT' };
        await queue.backend.fail(claimed, { error: internal, retryAt: null });
        const status = await sendRequest(await port(), { path: `/jobs/${id}` });
        expect(status.status).toBe(200);
        expect(status.json).toMatchObject({ id, state: 'dead', error: { status: 500, title: 'Internal Server Error' } });
        expect(status.text).not.toContain('/srv/secret');
        expect(status.text).not.toContain('ENOENT');
      });
    });

    afterAll(async () => {
      await server?.close();
      server = undefined;
    });
  });
}
