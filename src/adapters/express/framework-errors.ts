import { ErrandError } from '../../errors/errand-error.js';
import { payloadTooLarge } from '../../errors/payload-too-large.js';

interface BodyParserError {
  type?: unknown;
  code?: unknown;
  errno?: unknown;
  limit?: unknown;
  charset?: unknown;
  encoding?: unknown;
}

/**
 * Gives body-parser's errors (`express.json()`, `express.urlencoded()`, `express.text()`,
 * `express.raw()`) errand's stable codes, so an Express app answers them as a Hono app does:
 * malformed JSON → 400 `ERRAND_MALFORMED_JSON`, too large → 413 `ERRAND_PAYLOAD_TOO_LARGE`, an
 * unsupported charset or encoding → 415 `ERRAND_UNSUPPORTED_MEDIA_TYPE`, a body that does not
 * decode with its `Content-Encoding` (zlib's `Z_DATA_ERROR`, a brotli error) → 400
 * `ERRAND_BAD_CONTENT_ENCODING`, whose message is errand's, not zlib's. The original is the
 * `cause`; anything else is returned as it is (http-errors objects keep their status).
 *
 * @example
 * app.use((err, req, res, next) => next(fromBodyParser(err)))
 */
export function fromBodyParser(thrown: unknown): unknown {
  if (!(thrown instanceof Error)) return thrown;
  const { type, limit, charset, encoding } = thrown as BodyParserError;
  if (isDecodingFailure(thrown as BodyParserError)) {
    return new ErrandError('ERRAND_BAD_CONTENT_ENCODING', 'the request body does not decode with its declared Content-Encoding', { cause: thrown });
  }
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

// body-parser passes the decompression stream's own error on (`createError(400, error)`, no `type`):
// zlib's codes are `Z_*` (`Z_DATA_ERROR`, `Z_BUF_ERROR` for a truncated body), brotli's `ERR__*`.
function isDecodingFailure({ type, code, errno }: BodyParserError): boolean {
  return type === undefined && typeof errno === 'number' && typeof code === 'string' && /^(?:Z_|ERR__)[A-Z0-9_]+$/.test(code);
}
