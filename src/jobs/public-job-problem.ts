import type { ErrorMode } from '../errors/error-mode.js';
import type { ProblemDetails } from '../errors/problem-details.js';
import { hiddenDetail } from '../errors/problem-from-error.js';
import { reasonPhrase } from '../errors/reason-phrases.js';

/**
 * A job's stored error as a public route may show it. A job keeps its 5xx message for operators
 * (the dashboard, the CLI); a status route anyone can poll must not hand out paths, hosts or
 * driver codes (`ENOENT: … open '/srv/…/uploads/missing.csv'`). In production a 5xx keeps its
 * status, a generic title and detail, and only an `ERRAND_…` code; 4xx and debug mode are as stored.
 *
 * @example
 * publicJobProblem({ type: 'about:blank', title: 'Error', status: 500, detail: 'ENOENT …', code: 'ENOENT' }, 'production')
 * // { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred. …' }
 */
export function publicJobProblem(problem: ProblemDetails, mode: ErrorMode): ProblemDetails {
  if (mode === 'debug' || problem.status < 500) return problem;
  const shown: ProblemDetails = { type: 'about:blank', title: reasonPhrase(problem.status), status: problem.status, detail: hiddenDetail };
  if (typeof problem.code === 'string' && problem.code.startsWith('ERRAND_')) shown.code = problem.code;
  return shown;
}
