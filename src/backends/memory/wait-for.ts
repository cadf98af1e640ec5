/**
 * Waits up to `ms`, until one of `waiters` is called (something was enqueued or released), or until
 * `signal` aborts. Always resolves, and leaves no timer or listener behind.
 */
export function waitFor(ms: number, waiters: Set<() => void>, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      waiters.delete(done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    waiters.add(done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
