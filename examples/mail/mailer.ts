import nodemailer from 'nodemailer';

/** One plain-text email. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/** Sends mail over SMTP. */
export interface Mailer {
  /** Resolves with the server's message id once the SMTP server accepted the message; rejects otherwise. */
  send(mail: OutgoingMail): Promise<string>;
  close(): void;
}

/** Options of {@link createMailer}. */
export interface MailerOptions {
  /** @default 'errand <no-reply@errand.local>' */
  from?: string;
  /** Give up on an unresponsive server after this long, so a retry can take over. @default 10_000 */
  timeoutMs?: number;
}

/**
 * A nodemailer SMTP transport for `smtpUrl` (`smtp://user:pass@host:port`, or `smtps://…`). One
 * connection per message (no pool), so nothing stays open between sends and a failed server is
 * retried from scratch by whoever calls `send` again.
 *
 * @example
 * const mailer = createMailer('smtp://127.0.0.1:2525');
 * await mailer.send({ to: 'ada@example.com', subject: 'Welcome', text: 'Welcome to our platform!' });
 */
export function createMailer(smtpUrl: string, options: MailerOptions = {}): Mailer {
  const { from = 'errand <no-reply@errand.local>', timeoutMs = 10_000 } = options;
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port === '' ? (url.protocol === 'smtps:' ? 465 : 587) : url.port),
    secure: url.protocol === 'smtps:',
    ...(url.username === '' ? {} : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, ...mail });
      return info.messageId;
    },
    close() {
      transport.close();
    },
  };
}
