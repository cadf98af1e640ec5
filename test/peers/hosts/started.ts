import type { StandardSchemaV1 } from '@standard-schema/spec';
import { validationError, type ValidationLocation } from '../../../src/errors/validation-error.js';

/** A peer app listening on a real socket. */
export interface Started {
  port: number;
  /** Stops the server and drains its after-response tasks. */
  close: () => Promise<void>;
}

/**
 * MISSING on Fastify and Express: errand's `validate()` (issue 16, branch adapter-parity, gives the
 * three hosts one `validate`). Until it lands, a Fastify or Express route validates as
 * docs/adapters.md tells users to: the schema itself, throwing `validationError` (a 422 with
 * `errors[]`, as `validate` throws on Hono).
 */
export async function validated(schema: StandardSchemaV1 | undefined, value: unknown, location: ValidationLocation): Promise<unknown> {
  if (schema === undefined) return value;
  const result = await schema['~standard'].validate(value);
  if (result.issues !== undefined) throw validationError(result.issues, location);
  return result.value;
}
