import { ErrandError } from '../errors/errand-error.js';
import type { FieldError } from '../errors/problem-details.js';
import type { ListOptions } from '../jobs/backend.js';
import { jobStates, type JobState } from '../jobs/job.js';

/** Most jobs one page of GET /api/jobs may hold. */
export const maxPageSize = 200;

function isJobState(value: string): value is JobState {
  return (jobStates as readonly string[]).includes(value);
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number, errors: FieldError[]): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    errors.push({ pointer: `/${name}`, loc: ['query', name], message: `must be an integer from ${min} to ${max}`, code: 'invalid_integer' });
    return fallback;
  }
  return value;
}

/**
 * Parses the query of GET /api/jobs (`state`, `task`, `limit`, `offset`) into backend list options.
 * Bad values raise `ERRAND_VALIDATION_FAILED` (422) naming each field.
 *
 * @example
 * parseListQuery({ state: 'dead', limit: '20' }) // { state: 'dead', limit: 20, offset: 0 }
 */
export function parseListQuery(query: Record<string, string | undefined>): ListOptions & { limit: number; offset: number } {
  const errors: FieldError[] = [];
  const options: ListOptions & { limit: number; offset: number } = {
    limit: integer('limit', query.limit, 50, 1, maxPageSize, errors),
    offset: integer('offset', query.offset, 0, 0, Number.MAX_SAFE_INTEGER, errors),
  };
  const state = query.state;
  if (state !== undefined && state !== '') {
    if (isJobState(state)) options.state = state;
    else errors.push({ pointer: '/state', loc: ['query', 'state'], message: `must be one of ${jobStates.join(', ')}`, code: 'invalid_enum' });
  }
  const task = query.task?.trim();
  if (task !== undefined && task !== '') options.task = task;
  if (errors.length > 0) {
    throw new ErrandError('ERRAND_VALIDATION_FAILED', `Invalid job list query: ${errors.map((e) => `${String(e.loc[1])} ${e.message}`).join('; ')}.`, { errors });
  }
  return options;
}
