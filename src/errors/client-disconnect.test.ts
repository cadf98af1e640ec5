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
});
