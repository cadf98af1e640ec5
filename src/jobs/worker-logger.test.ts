import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleWorkerLogger } from './worker-logger.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('consoleWorkerLogger', () => {
  it('writes warnings and errors to the console with a prefix, and nothing else', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    consoleWorkerLogger.warn({ jobId: 'a' }, 'lease lost');
    consoleWorkerLogger.error({ jobId: 'b' });
    consoleWorkerLogger.info({ jobId: 'c' }, 'started');
    consoleWorkerLogger.debug({ jobId: 'd' }, 'claimed');
    expect(warn.mock.calls).toEqual([['[errand worker] lease lost', { jobId: 'a' }]]);
    expect(error.mock.calls).toEqual([['[errand worker] ', { jobId: 'b' }]]);
    consoleWorkerLogger.error({ jobId: 'e' }, 'failed');
    consoleWorkerLogger.warn({ jobId: 'f' });
    expect(error.mock.calls[1]).toEqual(['[errand worker] failed', { jobId: 'e' }]);
    expect(warn.mock.calls[1]).toEqual(['[errand worker] ', { jobId: 'f' }]);
    expect(info).not.toHaveBeenCalled();
    expect(debug).not.toHaveBeenCalled();
  });
});
