import { describe, expect, it } from 'vitest';
import { isErrandError } from '../errors/errand-error.js';
import { createBackendFromUrl, parsePostgresQueueUrl, parseRedisQueueUrl, queueUrlFromEnv } from './from-url.js';

describe('createBackendFromUrl', () => {
  it('opens a memory backend for memory:', async () => {
    const backend = await createBackendFromUrl('memory:');
    expect(backend.name).toBe('memory');
    await backend.close();
  });

  it.each(['ftp://example.com/q', 'mysql://localhost/db', '  '])('refuses %j with ERRAND_BACKEND_CONFIG', async (url) => {
    const error = await createBackendFromUrl(url).catch((thrown: unknown) => thrown);
    expect(isErrandError(error, 'ERRAND_BACKEND_CONFIG')).toBe(true);
  });

  it('refuses sqlite: without a path', async () => {
    const error = await createBackendFromUrl('sqlite:').catch((thrown: unknown) => thrown);
    expect(isErrandError(error, 'ERRAND_BACKEND_CONFIG')).toBe(true);
  });

  it('opens a private SQLite database for sqlite::memory:', async () => {
    const backend = await createBackendFromUrl('sqlite::memory:');
    expect(backend.name).toMatch(/sqlite/);
    await backend.close();
  });

  it('takes ERRAND_QUEUE, else the SQLite file in ERRAND_DATA_DIR, else ./data/errand.db', () => {
    expect(queueUrlFromEnv({ ERRAND_QUEUE: 'redis://127.0.0.1:6379/0', ERRAND_DATA_DIR: '/srv' })).toBe('redis://127.0.0.1:6379/0');
    expect(queueUrlFromEnv({ ERRAND_DATA_DIR: '/srv/app' })).toBe('/srv/app/errand.db');
    expect(queueUrlFromEnv({ ERRAND_QUEUE: '  ' })).toBe('./data/errand.db');
    expect(queueUrlFromEnv({})).toBe('./data/errand.db');
  });

  it('splits prefix and queue off a Redis URL and leaves the rest to ioredis', () => {
    expect(parseRedisQueueUrl('redis://:pw@cache:6380/2?prefix=shop&queue=mail')).toEqual({ url: 'redis://:pw@cache:6380/2', prefix: 'shop', queueName: 'mail' });
    expect(parseRedisQueueUrl('rediss://cache/0')).toEqual({ url: 'rediss://cache/0' });
  });

  it('opens the Redis backend for redis:// URLs, named without the query parameters of errand', async () => {
    const backend = await createBackendFromUrl('redis://127.0.0.1:6379/0?prefix=from-url-test');
    expect(backend.name).toBe('redis://127.0.0.1:6379/0');
    await backend.close();
  });

  it('splits schema off a Postgres URL and leaves the rest to node-postgres', () => {
    expect(parsePostgresQueueUrl('postgres://app:pw@db:5433/shop?schema=jobs&sslmode=require')).toEqual({ connectionString: 'postgres://app:pw@db:5433/shop?sslmode=require', schema: 'jobs' });
    expect(parsePostgresQueueUrl('postgresql://db/shop')).toEqual({ connectionString: 'postgresql://db/shop' });
  });

  it('opens the Postgres backend for postgres:// URLs, named without the password', async () => {
    const backend = await createBackendFromUrl('postgres://app:secret@127.0.0.1:5432/shop?schema=jobs');
    expect(backend.name).toBe('postgres:postgres://app:***@127.0.0.1:5432/shop (schema jobs)');
    await backend.close();
  });
});
