import { describe, expect, it } from 'vitest';
import { hiddenDetail } from '../errors/problem-from-error.js';
import { publicJobProblem } from './public-job-problem.js';

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

  it('shows a 4xx, and anything in debug mode, as stored', () => {
    const invalid = { type: 'about:blank', title: 'PayloadInvalidError', status: 499, detail: 'bad', code: 'X' };
    expect(publicJobProblem(invalid, 'production')).toBe(invalid);
    expect(publicJobProblem(stored, 'debug')).toBe(stored);
  });
});
