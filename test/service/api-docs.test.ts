/**
 * The reference service's OpenAPI document and its interactive docs: the schemas given to
 * `validate` and errand's error responses, through hono-openapi; Swagger UI from the installed
 * swagger-ui-dist, every asset served by the service itself (no CDN).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ServiceApp } from '../../examples/app.js';
import { loadConfig } from '../../examples/config.js';

let dir: string;
let service: ServiceApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'errand-api-docs-'));
  // Nothing is mailed here: the SMTP URL is never dialled.
  const smtpUrl = 'smtp://127.0.0.1:9';
  service = await createApp(loadConfig([], { ERRAND_DATA_DIR: dir, SMTP_URL: smtpUrl }), { smtpUrl, logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Operation {
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }>;
}

type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

async function openApiDocument(): Promise<Document> {
  const response = await service.app.request('/openapi.json');
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of the service routes with the errors errand answers on each', async () => {
    const document = await openApiDocument();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/test/{name}', '/jobs/{id}', '/register', '/orders', '/users']));
    expect(Object.keys(document.paths).filter((path) => /^\/(docs|dashboard|metrics|openapi)/.test(path))).toEqual([]);
    const job = document.paths['/jobs/{id}']?.get;
    for (const status of ['422', '500', '503']) {
      // With an example of that very status: documentation tools otherwise make one up (Swagger UI
      // showed `"status": 400` under each of them).
      expect(job?.responses[status]?.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' }, example: expect.objectContaining({ status: Number(status) }) } });
      expect(job?.responses[status]?.headers).toHaveProperty('X-Request-Id');
    }
    expect(document.components.schemas).toHaveProperty('ProblemDetails');
  });

  it('is valid against the OpenAPI 3.1 schema, every operation with its success answer described', async () => {
    const document = await openApiDocument();
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
        expect(success, `${method.toUpperCase()} ${path}`).not.toEqual([]);
        for (const status of success) expect(operation.responses[status], `${method.toUpperCase()} ${path} ${status}`).toHaveProperty('description');
      }
    }
  });

  it('documents the bodies from the schemas validate checks, with the body errors (400, 413, 415, 422)', async () => {
    const document = await openApiDocument();
    const createOrder = document.paths['/orders']?.post;
    expect(createOrder?.requestBody?.content['application/json'].schema.properties).toHaveProperty('item');
    for (const status of ['400', '413', '415', '422']) expect(createOrder?.responses[status]?.headers).toHaveProperty('X-Request-Id');
    // A field with a pattern carries an example: Swagger UI made up a 2 KB address from the email regex.
    expect(document.paths['/users']?.post?.requestBody?.content['application/json'].schema.properties).toHaveProperty('email', expect.objectContaining({ example: 'ada@example.com' }));
  });

  it('documents the write limits on every writing route: 429 with Retry-After and 507, uploads included', async () => {
    const document = await openApiDocument();
    for (const path of ['/register', '/users', '/orders', '/upload']) {
      const responses = document.paths[path]?.post?.responses ?? {};
      expect(responses['429']?.headers, path).toHaveProperty('Retry-After');
      expect(responses['507']?.content, path).toHaveProperty(['application/problem+json']);
    }
  });

  it('documents both forms of POST /register: the seed\'s `?email=` and the JSON body', async () => {
    const register = (await openApiDocument()).paths['/register']?.post as (Operation & { parameters?: { name: string; in: string }[] }) | undefined;
    expect(register?.parameters).toEqual([expect.objectContaining({ name: 'email', in: 'query' })]);
    expect(register?.requestBody?.content['application/json'].schema.required).toEqual(['email']);
    expect(Object.keys(register?.responses ?? {})).toEqual(expect.arrayContaining(['400', '413', '415', '422']));
  });
});

describe('GET /docs', () => {
  it('is Swagger UI whose every asset the service serves itself, relative to the page', async () => {
    const page = await service.app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1]).filter((url) => !url.startsWith('data:'));
    expect(assets).toEqual(['docs/swagger-ui.css', 'docs/swagger-ui-bundle.js', 'docs/swagger-ui-standalone-preset.js', 'docs/init.js']);
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of assets) {
      const response = await service.app.request(`/${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.text()).length).toBeGreaterThan(10);
    }
    expect(await (await service.app.request('/docs/init.js')).text()).toContain("url: 'openapi.json'");
    expect((await service.app.request('/docs/package.json')).status).toBe(404);
  });
});
