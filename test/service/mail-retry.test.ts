/**
 * A welcome email whose SMTP server is down at first is retried by the durable queue and delivered
 * once the server is up: the service's app and job worker in-process, the real SQLite queue, a real
 * SMTP conversation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type ServiceApp } from '../../examples/app.js';
import { loadConfig } from '../../examples/config.js';
import { startJobWorker, type JobWorker } from '../../examples/job-worker.js';
import { startSmtpSink, type SmtpSink } from '../../examples/mail/smtp-sink.js';
import { ServiceStore } from '../../examples/store/service-store.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('POST /register when the SMTP server is down', () => {
  let dir: string;
  let service: ServiceApp;
  let jobs: JobWorker;
  let sink: SmtpSink | undefined;
  let sinkStore: ServiceStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'errand-mail-retry-'));
    sinkStore = new ServiceStore(dir);
  });

  afterEach(async () => {
    await jobs?.close();
    await service?.close();
    await sink?.close();
    sinkStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries the send-email job until the server answers, then delivers once', async () => {
    const port = await freePort();
    const smtpUrl = `smtp://127.0.0.1:${port}`;
    const config = loadConfig([], { ERRAND_DATA_DIR: dir, SMTP_URL: smtpUrl });
    const logger = pino({ level: 'silent' });
    service = await createApp(config, { smtpUrl, logger });
    jobs = startJobWorker(config, { backend: service.backend, smtpUrl, logger });

    const response = await service.app.request('/register?email=late@example.com', { method: 'POST' });
    expect(response.status).toBe(200);
    const failedOnce = await waitFor(async () => {
      const { jobs: [job] } = await service.runtime.queue.list({ task: 'send-email' });
      return job !== undefined && job.attempts >= 1 && job.state !== 'running' && job.state !== 'queued' ? job : undefined;
    });
    expect(failedOnce.state).toBe('retrying');
    expect(failedOnce.error?.detail).toBeTruthy();

    sink = await startSmtpSink({ store: sinkStore, port });
    const done = await waitFor(async () => {
      const job = await service.runtime.queue.get(failedOnce.id);
      return job?.state === 'succeeded' ? job : undefined;
    });
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    const mails = sinkStore.listMail();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: ['late@example.com'], subject: 'Welcome!' });
    expect(mails[0]?.text).toContain('Welcome to our platform!');
  });
});

async function waitFor<T>(read: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
