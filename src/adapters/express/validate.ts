import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { checkValue, expectsJsonBody, parseJsonBody, queryValues, singleValues, type ValidationTarget } from '../shared/request-validation.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** What `validate(target, schema)` middleware produced: the schema's output per target. */
      valid?: Partial<Record<ValidationTarget, unknown>>;
    }
  }
}

async function readText(req: Request): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function jsonBody(req: Request): Promise<unknown> {
  if (!expectsJsonBody(req.headers)) return undefined;
  // Parsed by express.json() already. It makes `{}` of an empty body: a declared empty one stays missing.
  if (req.body !== undefined) return req.headers['content-length'] === '0' ? undefined : (req.body as unknown);
  if (req.readableEnded) return undefined;
  return parseJsonBody(await readText(req));
}

function rawValue(req: Request, target: ValidationTarget): unknown {
  switch (target) {
    case 'json':
      return jsonBody(req);
    case 'query':
      return queryValues(req.originalUrl || req.url);
    case 'param':
      return { ...req.params };
    case 'header':
      return singleValues(req.headers);
  }
}

/**
 * Validates one part of an Express request with any Standard Schema (zod, valibot, arktype), as
 * `validate` does on Hono: the JSON body (read here, or taken from `express.json()`), the query, the
 * path params or the headers. The output is `req.valid[target]` (and `req.body` for `json`).
 * Failures go to errand's error middleware: 422 listing every failing field, 400 for malformed
 * JSON, 415 for a body that is not JSON; a missing body is judged by the schema (422 when required).
 *
 * @example
 * app.post('/items', validate('json', z.object({ name: z.string() })), (req, res) => void res.status(201).json(req.body))
 */
export function validate<Schema extends StandardSchemaV1>(target: ValidationTarget, schema: Schema): RequestHandler {
  return function errandValidate(req: Request, _res: Response, next: NextFunction): void {
    Promise.resolve(rawValue(req, target))
      .then((value) => checkValue(target, schema, value))
      .then((output) => {
        req.valid = { ...req.valid, [target]: output };
        if (target === 'json') req.body = output;
        next();
      }, next);
  };
}
