import { describe, expect, it } from 'vitest';
import { clientDisconnect } from './client-disconnect.js';

function request(aborted: boolean): Request {
  const controller = new AbortController();
  if (aborted) controller.abort();
  return new Request('http://local/', { signal: controller.signal });
}

const reset = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });

describe('clientDisconnect', () => {
  it('turns a socket error of a request whose client went away into ERRAND_CLIENT_DISCONNECTED (499)', () => {
    expect(clientDisconnect(reset, { request: request(true) })).toMatchObject({ code: 'ERRAND_CLIENT_DISCONNECTED', status: 499, cause: reset });
    expect(clientDisconnect(new TypeError('failed', { cause: reset }), { request: request(true) })).toMatchObject({ status: 499 });
  });

  it('keeps the same error from a server-side connection, and any other error, as it is', () => {
    expect(clientDisconnect(reset, { request: request(false) })).toBe(reset);
    const bug = new Error('boom');
    expect(clientDisconnect(bug, { request: request(true) })).toBe(bug);
  });

  it('recognises each way a closed socket shows up: the codes, an "aborted" message, an AbortError', () => {
    const closed = [
      ...['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR', 'UND_ERR_SOCKET'].map((code) => Object.assign(new Error('socket went away'), { code })),
      new Error('aborted'),
      new DOMException('This operation was aborted', 'AbortError'),
    ];
    for (const error of closed) {
      expect(clientDisconnect(error, { request: request(true) })).toMatchObject({ code: 'ERRAND_CLIENT_DISCONNECTED', status: 499, message: 'the client closed the connection before the request was complete', cause: error });
    }
  });

  it('keeps a server-side failure that happened while the client was gone: another code, or a code that is not a string', () => {
    for (const error of [Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' }), Object.assign(new Error('query failed'), { code: 57014 })]) {
      expect(clientDisconnect(error, { request: request(true) })).toBe(error);
    }
  });

  it('keeps the error when the request cannot say whether it was aborted', () => {
    const unreadable = new Request('http://local/');
    Object.defineProperty(unreadable, 'signal', {
      get() {
        throw new Error('the adapter has no request any more');
      },
    });
    expect(clientDisconnect(reset, { request: unreadable })).toBe(reset);
  });
});
