/**
 * The body answers an app documented through its host's OpenAPI tooling must still give: errand's
 * 422 listing every failing field, 400 ERRAND_MALFORMED_JSON and 415, on `POST /items` of
 * `{ name, qty, tags? }` (shared by openapi-express and openapi-fastify).
 */
import { expect, it } from 'vitest';
import { send } from './client.js';

export function itAnswersErrandBodyProblems(port: () => number): void {
  it('answers 422 listing every failing field', async () => {
    const response = await send(port(), '/items', { method: 'POST', body: { name: '', qty: -1.5, tags: [1] } });
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json).toMatchObject({ code: 'ERRAND_VALIDATION_FAILED', status: 422 });
    expect((response.json.errors as { pointer: string }[]).map((error) => error.pointer).sort()).toEqual(['/name', '/qty', '/tags/0']);
  });

  it('answers 400 ERRAND_MALFORMED_JSON and 415 ERRAND_UNSUPPORTED_MEDIA_TYPE', async () => {
    const malformed = await send(port(), '/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ code: 'ERRAND_MALFORMED_JSON' });
    const form = await send(port(), '/items', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=a&qty=1' });
    expect(form.status).toBe(415);
    expect(form.json).toMatchObject({ code: 'ERRAND_UNSUPPORTED_MEDIA_TYPE' });
  });
}
