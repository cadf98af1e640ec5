import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { ServiceStore } from '../store/service-store.js';
import { parseMessage } from './parse-message.js';

/** Options of {@link startSmtpSink}. */
export interface SmtpSinkOptions {
  /** Where received messages go (read back by `GET /dev/mailbox` from any process). */
  store: ServiceStore;
  /** @default 2525; 0 picks a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Largest message accepted, in bytes. @default 1_048_576 */
  maxBytes?: number;
}

/** A running SMTP sink. */
export interface SmtpSink {
  /** The port it listens on (useful with port 0). */
  port: number;
  /** `smtp://127.0.0.1:<port>`, ready to hand to nodemailer. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a development SMTP server (the `smtp-server` package: a real SMTP conversation) that
 * accepts every message without authentication and stores it in the service store, so the dev
 * mailbox shows what the service "sent". It listens on loopback only, and never relays anything.
 *
 * @example
 * const sink = await startSmtpSink({ store, port: 0 });
 * const mailer = createMailer(sink.url);
 */
export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const { store, port = 2525, host = '127.0.0.1', maxBytes = 1_048_576 } = options;
  const server = new SMTPServer({
    // Plain SMTP on loopback: no TLS to negotiate, no credentials to configure.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: maxBytes,
    rejectOversized: true,
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        try {
          if (stream.sizeExceeded) throw new Error(`message exceeds ${maxBytes} bytes`);
          const parsed = parseMessage(Buffer.concat(chunks).toString('utf8'));
          const envelopeFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
          store.addMail({
            from: parsed.from === '' ? envelopeFrom : parsed.from,
            to: session.envelope.rcptTo.map((recipient) => recipient.address),
            subject: parsed.subject,
            text: parsed.text,
          });
          callback();
        } catch (error) {
          callback(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // smtp-server logs socket errors through 'error' events; an unhandled one would kill the process.
  server.on('error', (error: Error) => console.error('smtp sink:', error.message));
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    url: `smtp://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}
