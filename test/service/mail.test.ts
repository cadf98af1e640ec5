import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer } from '../../examples/mail/mailer.js';
import { startSmtpSink, type SmtpSink } from '../../examples/mail/smtp-sink.js';
import { ServiceStore } from '../../examples/store/service-store.js';

describe('SMTP sink and mailer', () => {
  let dir: string;
  let store: ServiceStore;
  let sink: SmtpSink;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'errand-mail-'));
    store = new ServiceStore(dir);
    sink = await startSmtpSink({ store, port: 0 });
  });

  afterEach(async () => {
    await sink.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a nodemailer message over a real SMTP conversation into the mailbox', async () => {
    const mailer = createMailer(sink.url);
    await mailer.send({ to: 'ada@example.com', subject: 'Welcome ☕', text: 'Welcome to our platform!\nSee you.' });
    mailer.close();
    const [message, ...rest] = store.listMail();
    expect(rest).toEqual([]);
    expect(message).toMatchObject({ to: ['ada@example.com'], subject: 'Welcome ☕', text: 'Welcome to our platform!\nSee you.' });
    expect(message?.from).toContain('no-reply@errand.local');
  });

  it('makes the mail visible to another connection to the same data directory', async () => {
    const mailer = createMailer(sink.url);
    await mailer.send({ to: 'b@example.com', subject: 's', text: 't' });
    mailer.close();
    const other = new ServiceStore(dir);
    expect(other.listMail().map((message) => message.to)).toEqual([['b@example.com']]);
    other.close();
  });

  it('rejects the send when no SMTP server answers', async () => {
    const closed = await startSmtpSink({ store, port: 0 });
    await closed.close();
    const mailer = createMailer(closed.url, { timeoutMs: 2_000 });
    await expect(mailer.send({ to: 'c@example.com', subject: 's', text: 't' })).rejects.toThrow();
    mailer.close();
  });
});
