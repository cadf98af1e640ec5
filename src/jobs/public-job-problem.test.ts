import { describe, expect, it } from 'vitest';
import { hiddenDetail } from '../errors/problem-from-error.js';
import { hiddenJobDetail, publicJobProblem } from './public-job-problem.js';

describe('publicJobProblem', () => {
  const stored = { type: 'about:blank', title: 'Error', status: 500, detail: "ENOENT: no such file, open '/srv/app/uploads/missing.csv'", code: 'ENOENT', stack: 'Error: ENOENT…' };

  it('hides a 5xx job error in production: generic title and detail, no foreign code, nothing else', () => {
    expect(publicJobProblem(stored, 'production')).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: hiddenDetail });
    expect(publicJobProblem({ ...stored, status: 503, type: 'https://example.com/busy' }, 'production')).toEqual({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: hiddenDetail });
  });

  it('hides a 5xx that has no code', () => {
    const { code: _code, ...uncoded } = stored;
    expect(publicJobProblem(uncoded, 'production')).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: hiddenDetail });
  });

  it('keeps an errand code on a hidden 5xx', () => {
    expect(publicJobProblem({ ...stored, code: 'ERRAND_JOB_TIMEOUT' }, 'production')).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: hiddenDetail, code: 'ERRAND_JOB_TIMEOUT' });
  });

  it("shows errand's own 4xx, and anything in debug mode, as stored", () => {
    const invalid = { type: 'about:blank', title: 'Unprocessable Content', status: 422, detail: 'payload.email: Invalid email address', code: 'ERRAND_JOB_PAYLOAD_INVALID' };
    expect(publicJobProblem(invalid, 'production')).toBe(invalid);
    expect(publicJobProblem(stored, 'debug')).toBe(stored);
  });

  it("hides any other 4xx: a partner API's 401 carries its URL and key", () => {
    const partner = { type: 'about:blank', title: 'Error', status: 401, detail: 'partner https://api.partner.example/v1/charge?key=sk_live_51abc answered 401: invalid key', code: 'PARTNER_AUTH' };
    expect(publicJobProblem(partner, 'production')).toEqual({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: hiddenJobDetail });
    expect(publicJobProblem(partner, 'debug')).toBe(partner);
  });
});
