import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { banner } from './banner.js';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig([], {})).toEqual({
      port: 8000,
      host: '127.0.0.1',
      dataDir: resolve('./data'),
      smtpSinkPort: 2525,
      workers: 1,
      uploadLimitBytes: 10 * 1024 * 1024,
      uploadRetentionSeconds: 86_400,
      uploadSweepSeconds: 600,
      digest: { to: 'operators@example.com', cron: '0 8 * * *', timezone: 'UTC' },
      dashboardMode: 'dev',
      writeRateLimit: { limit: 60, windowSeconds: 60, trustProxy: '' },
      dataMaxBytes: 1024 * 1024 * 1024,
      http: { maxRequestsPerSocket: 100, headersTimeoutMs: 20_000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 5_000 },
    });
  });

  it('reads the write limits and the connection bounds, 0 turning a limit off', () => {
    const env = { WRITE_RATE_LIMIT: '0', WRITE_RATE_WINDOW_SECONDS: '10', DATA_MAX_BYTES: '0', HTTP_MAX_REQUESTS_PER_SOCKET: '0', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '3000' };
    expect(loadConfig([], env)).toMatchObject({
      writeRateLimit: { limit: 0, windowSeconds: 10 },
      dataMaxBytes: 0,
      http: { maxRequestsPerSocket: 0, headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 3000 },
    });
    expect(() => loadConfig([], { WRITE_RATE_WINDOW_SECONDS: '0' })).toThrow(/WRITE_RATE_WINDOW_SECONDS must be an integer >= 1/);
    expect(() => loadConfig([], { DATA_MAX_BYTES: '-1' })).toThrow(/DATA_MAX_BYTES must be an integer >= 0/);
    expect(loadConfig([], { TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8 ' }).writeRateLimit.trustProxy).toBe('127.0.0.1, 10.0.0.0/8');
    expect(() => loadConfig([], { TRUST_PROXY: '127.0.0.1, proxy.internal' })).toThrow(/TRUST_PROXY must list IP addresses or subnets[\s\S]*"proxy.internal"/);
    expect(() => loadConfig([], { TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
  });

  it('sweeps uploads every half retention (1 s to 10 min) unless UPLOAD_SWEEP_SECONDS says, and reads the digest schedule', () => {
    expect(loadConfig([], { UPLOAD_RETENTION_SECONDS: '5' }).uploadSweepSeconds).toBe(3);
    expect(loadConfig([], { UPLOAD_RETENTION_SECONDS: '1' }).uploadSweepSeconds).toBe(1);
    expect(loadConfig([], { UPLOAD_RETENTION_SECONDS: '5', UPLOAD_SWEEP_SECONDS: '2' }).uploadSweepSeconds).toBe(2);
    expect(loadConfig([], { DIGEST_TO: 'ops@acme.test', DIGEST_CRON: '0 18 * * mon-fri', DIGEST_TIMEZONE: 'Europe/Paris' }).digest).toEqual({ to: 'ops@acme.test', cron: '0 18 * * mon-fri', timezone: 'Europe/Paris' });
    expect(loadConfig([], { DIGEST_INTERVAL_SECONDS: '1' }).digest.intervalSeconds).toBe(1);
    expect(() => loadConfig([], { DIGEST_INTERVAL_SECONDS: '0' })).toThrow(/DIGEST_INTERVAL_SECONDS must be an integer >= 1/);
  });

  it('protects the dashboard in production and takes its token from the environment', () => {
    expect(loadConfig([], { NODE_ENV: 'production', ERRAND_DASHBOARD_TOKEN: 's3cret' })).toMatchObject({ dashboardMode: 'production', dashboardToken: 's3cret' });
    expect(loadConfig([], { NODE_ENV: 'production', ERRAND_DASHBOARD_TOKEN: '' }).dashboardToken).toBeUndefined();
  });

  it('reads the environment and --workers in its three spellings', () => {
    const env = { PORT: '0', ERRAND_DATA_DIR: '/srv/errand', SMTP_URL: 'smtp://mail:25', ERRAND_QUEUE: 'redis://r:6379', UPLOAD_LIMIT_BYTES: '5' };
    expect(loadConfig(['--workers', '3'], env)).toMatchObject({ port: 0, dataDir: '/srv/errand', smtpUrl: 'smtp://mail:25', queueUrl: 'redis://r:6379', workers: 3, uploadLimitBytes: 5 });
    expect(loadConfig(['--workers=2'], {}).workers).toBe(2);
    expect(loadConfig(['-w', '4'], {}).workers).toBe(4);
  });

  it('refuses values that are not integers in range, naming the setting', () => {
    expect(() => loadConfig(['--workers', '0'], {})).toThrow(/--workers must be an integer >= 1/);
    expect(() => loadConfig([], { PORT: 'eighty' })).toThrow(/PORT must be an integer/);
  });
});

describe('banner', () => {
  it('says where everything is and ends with ready', () => {
    const text = banner(loadConfig([], { ERRAND_DATA_DIR: '/d', ERRAND_QUEUE: 'redis://:secret@r:6379' }), { port: 8123, sinkUrl: 'smtp://127.0.0.1:2525' });
    expect(text).toContain('listening on http://127.0.0.1:8123');
    expect(text).toContain('queue        redis://:***@r:6379');
    expect(text).not.toContain('secret');
    expect(text).toContain('smtp sink    smtp://127.0.0.1:2525');
    expect(text).toContain('dashboard    http://127.0.0.1:8123/dashboard');
    expect(text.split('\n').at(-1)).toBe('ready');
  });
});
