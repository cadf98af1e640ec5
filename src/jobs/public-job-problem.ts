import type { ErrorMode } from '../errors/error-mode.js';
import type { ProblemDetails } from '../errors/problem-details.js';
import { hiddenDetail } from '../errors/problem-from-error.js';
import { reasonPhrase } from '../errors/reason-phrases.js';

/** The detail of a job's hidden client error: the job's own text is on the dashboard. */
export const hiddenJobDetail = 'The job failed with this status; its error is shown to operators on the dashboard.';

/**
 * A job's stored error as a public route may show it. A job keeps its 5xx message for operators
 * (the dashboard, the CLI); a status route anyone can poll must not hand out paths, hosts or
 * driver codes (`ENOENT: … open '/srv/…/uploads/missing.csv'`), nor what a partner API answered
 * (an HTTP client's error carries the partner's `status`, 401 say, and a message with the URL and
 * key). In production only errand's own client errors (a 4xx with an `ERRAND_…` code, such as an
 * invalid payload) are shown as stored; any other keeps its status, the reason phrase as title, a
 * generic detail and only an `ERRAND_…` code. Debug mode shows everything as stored.
 *
 * @example
 * publicJobProblem({ type: 'about:blank', title: 'Error', status: 500, detail: 'ENOENT …', code: 'ENOENT' }, 'production')
 * // { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred. …' }
 */
export function publicJobProblem(problem: ProblemDetails, mode: ErrorMode): ProblemDetails {
  const errandCode = typeof problem.code === 'string' && problem.code.startsWith('ERRAND_');
  if (mode === 'debug' || (problem.status < 500 && errandCode)) return problem;
  const shown: ProblemDetails = { type: 'about:blank', title: reasonPhrase(problem.status), status: problem.status, detail: problem.status < 500 ? hiddenJobDetail : hiddenDetail };
  if (errandCode) shown.code = problem.code;
  return shown;
}
