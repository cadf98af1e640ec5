import pg from 'pg';
import type { Waiters } from './wait-for-jobs.js';
import { wakeAll } from './wait-for-jobs.js';

/** A LISTEN connection; `close()` ends it and stops reconnecting. */
export interface JobListener {
  close(): Promise<void>;
}

/**
 * Holds one dedicated connection (LISTEN needs a session, so not a pooled one) that listens on the
 * schema's channel and wakes this process's waiting claims on each notification. When the
 * connection drops it reconnects after `retryMs`, waking the waiters once (jobs may have come while
 * it was down); meanwhile claims poll, so nothing is missed, only noticed later.
 */
export function listenForJobs(config: pg.ClientConfig, channel: string, waiters: Waiters, retryMs = 1_000): JobListener {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const reconnect = (): void => {
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    timer.unref();
  };

  async function connect(): Promise<void> {
    const next = new pg.Client(config);
    client = next;
    next.on('notification', () => wakeAll(waiters));
    next.on('error', () => {
      if (client === next) client = undefined;
      next.removeAllListeners('notification');
      void next.end().catch(() => undefined);
      reconnect();
    });
    try {
      await next.connect();
      await next.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
      if (closed) await next.end();
      else wakeAll(waiters);
    } catch {
      if (client === next) client = undefined;
      await next.end().catch(() => undefined);
      reconnect();
    }
  }

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
