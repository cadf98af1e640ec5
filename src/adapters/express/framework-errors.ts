import { ErrandError } from '../../errors/errand-error.js';
import { payloadTooLarge } from '../../errors/payload-too-large.js';

interface BodyParserError {
  type?: unknown;
  limit?: unknown;
  charset?: unknown;
  encoding?: unknown;
}

/**
 * Gives body-parser's errors (`express.json()`, `express.urlencoded()`, `express.text()`,
 * `express.raw()`) errand's stable codes, so an Express app answers them as a Hono app does:
 * malformed JSON → 400 `ERRAND_MALFORMED_JSON`, too large → 413 `ERRAND_PAYLOAD_TOO_LARGE`, an
 * unsupported charset or encoding → 415 `ERRAND_UNSUPPORTED_MEDIA_TYPE`. The original is the
 * `cause`; anything else is returned as it is (http-errors objects keep their status).
 *
 * @example
 * app.use((err, req, res, next) => next(fromBodyParser(err)))
 */
export function fromBodyParser(thrown: unknown): unknown {
  if (!(thrown instanceof Error)) return thrown;
  const { type, limit, charset, encoding } = thrown as BodyParserError;
  switch (type) {
    case 'entity.parse.failed':
      // Only express.json() raises a SyntaxError; urlencoded parse failures keep their own error.
      return thrown instanceof SyntaxError ? new ErrandError('ERRAND_MALFORMED_JSON', `the request body is not valid JSON: ${thrown.message}`, { cause: thrown }) : thrown;
    case 'entity.too.large':
      return payloadTooLarge(typeof limit === 'number' ? limit : undefined, thrown);
    case 'charset.unsupported':
      return new ErrandError('ERRAND_UNSUPPORTED_MEDIA_TYPE', `the request charset ${JSON.stringify(String(charset)).slice(0, 60)} is not supported`, { cause: thrown });
    case 'encoding.unsupported':
      return new ErrandError('ERRAND_UNSUPPORTED_MEDIA_TYPE', `the content encoding ${JSON.stringify(String(encoding)).slice(0, 60)} is not supported`, { cause: thrown });
    default:
      return thrown;
  }
}
