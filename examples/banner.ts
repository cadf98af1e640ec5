import type { ServiceConfig } from './config.js';
import { describeQueue } from './queue-backend.js';

/** What the start banner reports. */
export interface BannerInfo {
  port: number;
  /** The SMTP sink's URL, or undefined when SMTP_URL sends mail elsewhere. */
  sinkUrl: string | undefined;
}

/**
 * The lines printed on start: where the service listens, where its data, queue, mail and dashboard
 * are. The last line is `ready` (tests and scripts wait for it).
 */
export function banner(config: ServiceConfig, info: BannerInfo): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`;
  const processes = config.workers === 1 ? '1 process' : `${config.workers} server processes (node:cluster) + primary`;
  const mail = info.sinkUrl === undefined ? `none (mail goes to SMTP_URL ${redact(config.smtpUrl ?? '')})` : `${info.sinkUrl} (received mail: ${url}/dev/mailbox)`;
  return [
    'errand reference service',
    `  listening on ${url}  (${processes})`,
    `  data dir     ${config.dataDir}  (users.txt, audit.log, uploads/, service.db)`,
    `  queue        ${describeQueue(config)}`,
    `  smtp sink    ${mail}`,
    `  dashboard    ${url}/dashboard`,
    `  health       ${url}/healthz`,
    'ready',
  ].join('\n');
}

function redact(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}
