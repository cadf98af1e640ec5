import { expect } from 'vitest';

/** A refusal by the service's write limit: problem+json 429 SERVICE_RATE_LIMITED, no stack, Retry-After within the window. */
export function expectRateLimited(answer: { headers: Headers; body: unknown }, windowSeconds: number): void {
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status: 429, title: 'Too Many Requests', code: 'SERVICE_RATE_LIMITED' });
  expect(answer.body).not.toHaveProperty('stack');
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds).toBe(true);
}
