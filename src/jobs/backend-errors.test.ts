import { describe, expect, it } from 'vitest';
import { backendUnavailableError, leaseExpiredProblem, leaseLostError } from './backend-errors.js';

describe('the errors every backend raises', () => {
  it('ERRAND_LEASE_LOST names the job and says the completion was rejected', () => {
    const error = leaseLostError('job-1');
    expect(error.code).toBe('ERRAND_LEASE_LOST');
    expect(error.message).toBe('the lease on job "job-1" is no longer held (it expired and the job was claimed again, finished, or was removed); this completion was rejected');
  });

  it('a lapsed lease is recorded as a 500 problem naming the attempt', () => {
    expect(leaseExpiredProblem(3)).toEqual({
      type: 'about:blank',
      title: 'Lease expired',
      status: 500,
      detail: 'attempt 3 stopped renewing its lease (the worker died or stalled); the attempt counts as failed',
      code: 'ERRAND_LEASE_EXPIRED',
    });
  });

  it('ERRAND_BACKEND_UNAVAILABLE keeps its cause and tells the client to retry after 5 s', () => {
    const cause = new Error('ECONNREFUSED');
    const error = backendUnavailableError('Redis did not answer within 5000 ms', { cause });
    expect(error).toMatchObject({ code: 'ERRAND_BACKEND_UNAVAILABLE', message: 'Redis did not answer within 5000 ms', cause, status: 503, headers: { 'Retry-After': '5' } });
    expect(backendUnavailableError('down').cause).toBeUndefined();
  });
});
