/**
 * The reference service, run as a process with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a small
 * OTLP/HTTP receiver in this test, exports the trace of a `POST /register`: the request span (the
 * http instrumentation's), the enqueue's `create send-email` span under it, and the job attempt's
 * `process send-email` span linked to it. Over http/json (decoded and checked span by span) and
 * http/protobuf (the default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../service/service-process.js';
import { until } from './tracing-sdk.js';

const root = resolve(import.meta.dirname, '../..');

interface Export {
  path: string;
  contentType: string;
  body: Buffer;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: { traceId: string; spanId: string }[];
  attributes?: { key: string; value: { stringValue?: string } }[];
}

interface OtlpJson {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

async function startReceiver(exports: Export[]): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      exports.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/json' });
      response.end(request.headers['content-type']?.includes('json') === true ? '{}' : '');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}` };
}

let service: RunningService | undefined;
let receiver: Server | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await service?.stop();
  await new Promise<void>((done) => (receiver === undefined ? done() : receiver.close(() => done())));
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  service = receiver = dataDir = undefined;
});

async function registerWith(protocol: 'http/json' | 'http/protobuf' | undefined, exports: Export[]): Promise<void> {
  const started = await startReceiver(exports);
  receiver = started.server;
  dataDir = mkdtempSync(join(tmpdir(), 'errand-otlp-'));
  const env: Record<string, string> = { OTEL_EXPORTER_OTLP_ENDPOINT: started.url, OTEL_SERVICE_NAME: 'errand-otlp-test', OTEL_BSP_SCHEDULE_DELAY: '200' };
  if (protocol !== undefined) env.OTEL_EXPORTER_OTLP_PROTOCOL = protocol;
  service = await startService({ cwd: root, dataDir, fromSource: true, env });
  const response = await fetch(`${service.url}/register?email=otlp@example.com`, { method: 'POST' });
  expect(response.status).toBe(200);
}

function spansOf(exports: Export[]): { spans: OtlpSpan[]; serviceNames: string[] } {
  const spans: OtlpSpan[] = [];
  const serviceNames: string[] = [];
  for (const exported of exports) {
    const body = JSON.parse(exported.body.toString()) as OtlpJson;
    for (const resourceSpans of body.resourceSpans) {
      const name = resourceSpans.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue;
      if (name !== undefined) serviceNames.push(name);
      for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
    }
  }
  return { spans, serviceNames };
}

describe('the reference service with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  it('exports the trace of POST /register over http/json: request span, create span under it, the attempt linked to it', async () => {
    const exports: Export[] = [];
    await registerWith('http/json', exports);
    await until(() => spansOf(exports).spans.some((span) => span.name === 'process send-email'), 'the attempt span at the receiver', 60_000);
    expect(exports.every((exported) => exported.path === '/v1/traces' && exported.contentType.startsWith('application/json'))).toBe(true);
    const { spans, serviceNames } = spansOf(exports);
    expect(new Set(serviceNames)).toEqual(new Set(['errand-otlp-test']));
    const request = spans.find((span) => span.kind === 2 /* SERVER */ && span.attributes?.some((attribute) => attribute.value.stringValue === 'POST'));
    const create = spans.find((span) => span.name === 'create send-email');
    const attempt = spans.find((span) => span.name === 'process send-email');
    expect(request).toBeDefined();
    expect(create?.traceId).toBe(request?.traceId);
    expect(create?.parentSpanId).toBe(request?.spanId);
    expect(attempt?.links?.map((link) => [link.traceId, link.spanId])).toEqual([[create?.traceId, create?.spanId]]);
    // A problem body names the request's trace.
    const missing = await fetch(`${service?.url ?? ''}/no-such-route`);
    expect((await missing.json()) as { traceId?: string }).toMatchObject({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown });
  });

  it('exports over http/protobuf, the default protocol', async () => {
    const exports: Export[] = [];
    await registerWith(undefined, exports);
    const text = (): string => Buffer.concat(exports.map((exported) => exported.body)).toString('latin1');
    await until(() => text().includes('process send-email'), 'the attempt span at the receiver', 60_000);
    expect(exports.every((exported) => exported.path === '/v1/traces' && exported.contentType === 'application/x-protobuf')).toBe(true);
    expect(text()).toContain('errand-otlp-test');
    expect(text()).toContain('create send-email');
  });
});

describe('the reference service without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('starts no tracing: problem bodies carry no traceId', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'errand-otlp-'));
    service = await startService({ cwd: root, dataDir, fromSource: true });
    const response = await fetch(`${service.url}/no-such-route`);
    expect(await response.json()).not.toHaveProperty('traceId');
  });
});
