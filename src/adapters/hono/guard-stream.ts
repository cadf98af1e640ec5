import type { Context } from 'hono';
import { coerceError } from '../../errors/coerce-error.js';
import type { ErrandEnv } from './errand-env.js';

function report(c: Context<ErrandEnv>, thrown: unknown): void {
  const error = coerceError(thrown);
  const requestId = c.get('requestId');
  c.get('logger').error({ requestId, code: 'ERRAND_INTERNAL', err: error, afterHeaders: true }, `the response stream failed after the headers were sent: ${error.message}`);
}

/**
 * Wraps a response body stream so an error in the middle ends it cleanly: the bytes already sent
 * stay, nothing else is written (no error body, no second response), and the error is logged with
 * the request id. Without it, Node prints the error and aborts the socket.
 *
 * @example
 * app.get('/export', (c) => c.body(guardStream(c, rowsAsStream()), 200, { 'content-type': 'text/csv' }))
 */
export function guardStream(c: Context<ErrandEnv>, source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (thrown) {
        report(c, thrown);
        controller.close();
        void reader.cancel().catch(() => undefined);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * An `onError` for Hono's `stream()`, `streamText()` and `streamSSE()` helpers: logs the error with
 * the request id instead of `console.error`; the helper then closes the stream cleanly.
 *
 * @example
 * app.get('/feed', (c) => streamText(c, async (s) => { await s.write('a'); throw new Error('db gone') }, onStreamError(c)))
 */
export function onStreamError(c: Context<ErrandEnv>): (error: Error) => Promise<void> {
  return (error) => {
    report(c, error);
    return Promise.resolve();
  };
}
