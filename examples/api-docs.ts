import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Hono } from 'hono';
import { describeRoute, generateSpecs, resolver, type DescribeRouteOptions } from 'hono-openapi';
import { jsonResponse } from 'errand/hono';
import { withErrorResponses } from 'errand/errors';
import type { ServiceEnv } from './service-env.js';

/**
 * hono-openapi's `describeRoute` for a route whose JSON body errand's `validate('json', schema)`
 * checks: the same schema documents the body, so the document cannot drift from the validation.
 */
export function documentJsonBody(schema: StandardSchemaV1, options: Omit<DescribeRouteOptions, 'requestBody'> & Required<Pick<DescribeRouteOptions, 'responses'>>): ReturnType<typeof describeRoute> {
  return describeRoute({ ...options, requestBody: { required: true, content: { 'application/json': { schema: resolver(schema) } } } });
}

/**
 * A documented JSON answer for a route's `describeRoute({ responses })`: its schema comes from the
 * same zod schema the route's types use, so a success answer is documented like the body it checks.
 */
export function jsonAnswer(description: string, schema: StandardSchemaV1, headers?: Record<string, { description: string; schema: { type: 'string' } }>): NonNullable<DescribeRouteOptions['responses']>[string] {
  return { description, ...(headers === undefined ? {} : { headers }), content: { 'application/json': { schema: resolver(schema) } } };
}

/** `Location` of a 202 answer: where to poll for the outcome. */
export const locationHeader = { Location: { description: 'Where to poll for the outcome.', schema: { type: 'string' as const } } };

// swagger-ui-dist's own files, served from this process: the page works offline, no CDN.
const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assets: Record<string, { type: string; body: string }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(swaggerDir, 'swagger-ui.css'), 'utf8') },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(swaggerDir, 'swagger-ui-bundle.js'), 'utf8') },
  'swagger-ui-standalone-preset.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(swaggerDir, 'swagger-ui-standalone-preset.js'), 'utf8') },
  // Relative to the page (`/docs`), like the assets: the docs work under any prefix.
  'init.js': {
    type: 'text/javascript; charset=utf-8',
    body: "window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });\n",
  },
};

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>errand reference service: API docs</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/swagger-ui-standalone-preset.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

// Operational routes that are not the service's API.
const undocumented = ['/openapi.json', '/docs', /^\/docs\//, '/metrics', '/dashboard', /^\/dashboard\//];

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document hono-openapi generates from the app's routes (the
 * schemas given to `validate`), with every error errand answers added by `withErrorResponses`
 * (problem+json, `X-Request-Id`, `Allow` on 405, `Retry-After` on 503). `GET /docs`: Swagger UI on
 * that document, from the installed swagger-ui-dist package.
 */
export function mountApiDocs(app: Hono<ServiceEnv>): void {
  let document: Promise<unknown> | undefined;
  app.get('/openapi.json', async (c) => {
    // Routes are all added by the first request: the document is built once.
    document ??= generateSpecs(app, {
      documentation: { info: { title: 'errand reference service', version: '0.1.0', description: 'The seed exercises built with errand: custom exceptions, after-response tasks, durable jobs.' } },
      exclude: undocumented,
      includeEmptyPaths: true,
    }).then((generated) => withErrorResponses(generated, { always: [500, 503] }));
    return jsonResponse(c, await document);
  });
  app.get('/docs', (c) => c.html(page));
  app.get('/docs/:file', (c) => {
    const asset = assets[c.req.param('file')];
    if (asset === undefined) return c.notFound();
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' });
  });
}
