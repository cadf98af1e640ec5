import { resolve } from 'node:path';
import { trustedProxies } from './limits/trusted-proxies.js';

/**
 * Everything the reference service reads from its environment and command line, resolved once at
 * start so every module sees the same values (and tests can build one by hand).
 */
export interface ServiceConfig {
  /** HTTP port; 0 picks a free one (printed at start). @default 8000 (env PORT) */
  port: number;
  /** Interface the HTTP server binds. @default '127.0.0.1' (env HOST) */
  host: string;
  /** Where the queue database, users.txt, uploads and the mailbox live. @default './data' (env ERRAND_DATA_DIR) */
  dataDir: string;
  /** Outgoing SMTP server (`smtp://user:pass@host:port`); unset means the built-in sink. (env SMTP_URL) */
  smtpUrl?: string;
  /** Port of the built-in SMTP sink, used when SMTP_URL is unset; 0 picks a free one. @default 2525 (env SMTP_SINK_PORT) */
  smtpSinkPort: number;
  /** Queue URL (`redis://…` or `sqlite:///path`); unset means SQLite in the data directory. (env ERRAND_QUEUE) */
  queueUrl?: string;
  /** HTTP server processes on one port (node:cluster). @default 1 (`--workers N` or env WORKERS) */
  workers: number;
  /** Largest accepted upload in bytes; larger ones get 413. @default 10_485_760 (env UPLOAD_LIMIT_BYTES) */
  uploadLimitBytes: number;
  /** Uploaded files older than this many seconds are removed; 0 keeps them forever. @default 86_400 (env UPLOAD_RETENTION_SECONDS) */
  uploadRetentionSeconds: number;
  /** How often the `uploads-retention` schedule sweeps. @default half the retention, between 1 and 600 (env UPLOAD_SWEEP_SECONDS) */
  uploadSweepSeconds: number;
  /** The `daily-digest` schedule: a mail of the registrations before each tick. */
  digest: {
    /** Recipient. @default 'operators@example.com' (env DIGEST_TO) */
    to: string;
    /** Cron expression of the ticks. @default '0 8 * * *' (env DIGEST_CRON) */
    cron: string;
    /** IANA time zone the cron expression is read in. @default 'UTC' (env DIGEST_TIMEZONE) */
    timezone: string;
    /** When set, a tick every this many seconds instead of the cron expression, counting that interval. (env DIGEST_INTERVAL_SECONDS) */
    intervalSeconds?: number;
  };
  /**
   * Dashboard access: 'dev' is open without credentials to loopback clients only; 'production'
   * always asks for the token. @default 'production' when NODE_ENV=production, else 'dev'
   */
  dashboardMode: 'dev' | 'production';
  /** Bearer token (or basic-auth password) for the dashboard and /metrics. (env ERRAND_DASHBOARD_TOKEN) */
  dashboardToken?: string;
  /**
   * Per-client limit of the writing routes (`POST /register`, `/users`, `/orders`, `/upload`): at
   * most `limit` requests per `windowSeconds` from one client address (an IPv6 client by its /64),
   * counted by each process (`--workers N` allows N times as many); past it 429
   * `SERVICE_RATE_LIMITED` with `Retry-After`. `limit` 0 turns it off.
   */
  writeRateLimit: {
    /** @default 60 (env WRITE_RATE_LIMIT) */
    limit: number;
    /** @default 60 (env WRITE_RATE_WINDOW_SECONDS) */
    windowSeconds: number;
    /**
     * Reverse proxies (addresses and subnets, comma-separated) whose `X-Forwarded-For` names the
     * client; a request from any other peer counts by the peer's own address. Checked at start.
     * @default '' (none; env TRUST_PROXY)
     */
    trustProxy: string;
  };
  /**
   * Cap on the files directly in the data directory (service.db, users.txt, audit.log, the SQLite
   * queue) and in its uploads/: an upload that could take them past it, and any writing request once
   * they reach it, is answered 507 `SERVICE_STORAGE_FULL` with nothing written (limits/storage-cap.ts);
   * 0 turns it off. @default 1_073_741_824 (1 GiB; env DATA_MAX_BYTES)
   */
  dataMaxBytes: number;
  /** Bounds on each HTTP connection (Node's `http.Server` settings of the same names, given to errand's `serve`). */
  http: {
    /** Answers one connection gets from the app; the last closes it, and requests pipelined past it are never read (errand's `serve({ maxRequestsPerSocket })`). 0: no bound. @default 100 (env HTTP_MAX_REQUESTS_PER_SOCKET) */
    maxRequestsPerSocket: number;
    /** Time a client has to send a request's headers. @default 20_000 (env HTTP_HEADERS_TIMEOUT_MS) */
    headersTimeoutMs: number;
    /** Time a client has to send a whole request. @default 120_000 (env HTTP_REQUEST_TIMEOUT_MS) */
    requestTimeoutMs: number;
    /** How long an idle kept-alive connection stays open. @default 5_000 (env HTTP_KEEP_ALIVE_TIMEOUT_MS) */
    keepAliveTimeoutMs: number;
  };
}

function integer(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function text(raw: string | undefined, fallback: string): string {
  return raw === undefined || raw === '' ? fallback : raw;
}

// Parsed once here so that a bad entry stops the start, naming it, rather than the first request.
function proxies(raw: string | undefined): string {
  const list = raw?.trim() ?? '';
  trustedProxies(list);
  return list;
}

function workersFlag(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '--workers' || arg === '-w') return argv[index + 1] ?? '';
    if (arg.startsWith('--workers=')) return arg.slice('--workers='.length);
  }
  return undefined;
}

/**
 * Reads the service configuration from `env` and `argv` (defaults: `process.env`, `process.argv`).
 *
 * @example
 * const config = loadConfig(['--workers', '2'], { PORT: '0', ERRAND_DATA_DIR: '/tmp/errand' });
 */
export function loadConfig(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const smtpUrl = env.SMTP_URL === '' ? undefined : env.SMTP_URL;
  const queueUrl = env.ERRAND_QUEUE === '' ? undefined : env.ERRAND_QUEUE;
  const dashboardToken = env.ERRAND_DASHBOARD_TOKEN === '' ? undefined : env.ERRAND_DASHBOARD_TOKEN;
  const uploadRetentionSeconds = integer('UPLOAD_RETENTION_SECONDS', env.UPLOAD_RETENTION_SECONDS, 86_400, 0);
  const digestInterval = env.DIGEST_INTERVAL_SECONDS === undefined || env.DIGEST_INTERVAL_SECONDS === '' ? undefined : integer('DIGEST_INTERVAL_SECONDS', env.DIGEST_INTERVAL_SECONDS, 0, 1);
  return {
    port: integer('PORT', env.PORT, 8000, 0),
    host: env.HOST === undefined || env.HOST === '' ? '127.0.0.1' : env.HOST,
    dataDir: resolve(env.ERRAND_DATA_DIR === undefined || env.ERRAND_DATA_DIR === '' ? './data' : env.ERRAND_DATA_DIR),
    ...(smtpUrl === undefined ? {} : { smtpUrl }),
    smtpSinkPort: integer('SMTP_SINK_PORT', env.SMTP_SINK_PORT, 2525, 0),
    ...(queueUrl === undefined ? {} : { queueUrl }),
    workers: integer('--workers', workersFlag(argv) ?? env.WORKERS, 1, 1),
    uploadLimitBytes: integer('UPLOAD_LIMIT_BYTES', env.UPLOAD_LIMIT_BYTES, 10 * 1024 * 1024, 1),
    uploadRetentionSeconds,
    uploadSweepSeconds: integer('UPLOAD_SWEEP_SECONDS', env.UPLOAD_SWEEP_SECONDS, Math.min(Math.max(Math.round(uploadRetentionSeconds / 2), 1), 600), 1),
    digest: {
      to: text(env.DIGEST_TO, 'operators@example.com'),
      cron: text(env.DIGEST_CRON, '0 8 * * *'),
      timezone: text(env.DIGEST_TIMEZONE, 'UTC'),
      ...(digestInterval === undefined ? {} : { intervalSeconds: digestInterval }),
    },
    dashboardMode: env.NODE_ENV === 'production' ? 'production' : 'dev',
    ...(dashboardToken === undefined ? {} : { dashboardToken }),
    writeRateLimit: {
      limit: integer('WRITE_RATE_LIMIT', env.WRITE_RATE_LIMIT, 60, 0),
      windowSeconds: integer('WRITE_RATE_WINDOW_SECONDS', env.WRITE_RATE_WINDOW_SECONDS, 60, 1),
      trustProxy: proxies(env.TRUST_PROXY),
    },
    dataMaxBytes: integer('DATA_MAX_BYTES', env.DATA_MAX_BYTES, 1024 * 1024 * 1024, 0),
    http: {
      maxRequestsPerSocket: integer('HTTP_MAX_REQUESTS_PER_SOCKET', env.HTTP_MAX_REQUESTS_PER_SOCKET, 100, 0),
      headersTimeoutMs: integer('HTTP_HEADERS_TIMEOUT_MS', env.HTTP_HEADERS_TIMEOUT_MS, 20_000, 1),
      requestTimeoutMs: integer('HTTP_REQUEST_TIMEOUT_MS', env.HTTP_REQUEST_TIMEOUT_MS, 120_000, 1),
      keepAliveTimeoutMs: integer('HTTP_KEEP_ALIVE_TIMEOUT_MS', env.HTTP_KEEP_ALIVE_TIMEOUT_MS, 5_000, 1),
    },
  };
}
