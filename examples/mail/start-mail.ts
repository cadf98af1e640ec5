import type { ServiceConfig } from '../config.js';
import { ServiceStore } from '../store/service-store.js';
import { startSmtpSink } from './smtp-sink.js';

/** Where the service's mail goes. */
export interface MailSetup {
  /** The URL nodemailer sends to: SMTP_URL, or the sink's. */
  smtpUrl: string;
  /** The sink's URL when this process runs it. */
  sinkUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * SMTP_URL when set; otherwise starts the built-in SMTP sink on SMTP_SINK_PORT, writing into the
 * service store so `GET /dev/mailbox` in any process sees the messages.
 *
 * @example
 * const mail = await startMail(config) // mail.smtpUrl → createApp(config, { smtpUrl: mail.smtpUrl })
 */
export async function startMail(config: ServiceConfig): Promise<MailSetup> {
  if (config.smtpUrl !== undefined) return { smtpUrl: config.smtpUrl, sinkUrl: undefined, close: () => Promise.resolve() };
  const store = new ServiceStore(config.dataDir);
  try {
    const sink = await startSmtpSink({ store, port: config.smtpSinkPort });
    return {
      smtpUrl: sink.url,
      sinkUrl: sink.url,
      async close() {
        await sink.close();
        store.close();
      },
    };
  } catch (error) {
    store.close();
    throw new Error(`the SMTP sink could not listen on port ${config.smtpSinkPort} (set SMTP_SINK_PORT, or SMTP_URL to use a real server)`, { cause: error });
  }
}
