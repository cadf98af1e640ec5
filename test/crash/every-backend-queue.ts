import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';
import { deleteRedisPrefix, redisAvailable, testRedisUrl, uniqueRedisPrefix } from '../../src/testing/redis.js';

/** One backend's queue for a multi-process test, as the URL every process opens (see open-backend.ts). */
export interface BackendQueue {
  label: 'SQLite' | 'Redis' | 'Postgres';
  url: string;
  /** False when the service is not running here (the availability check has warned, or thrown under ERRAND_REQUIRE_*). */
  up: boolean;
}

/**
 * A queue of its own on every backend, named after `name`: SQLite (a file in a temporary
 * directory), Redis (a unique prefix) and Postgres (a unique schema). After the file's tests, any
 * child process left in `children` is killed, the directory removed, the prefix and schema deleted.
 *
 * @example
 * const queues = await everyBackendQueue('rate-limit', children);
 * describe('…', () => {
 *   for (const { label, url, up } of queues) it.skipIf(!up)(`${label}: …`, () => run(url), 240_000);
 * });
 */
export async function everyBackendQueue(name: string, children: readonly ChildProcess[]): Promise<BackendQueue[]> {
  const redisUp = await redisAvailable();
  const postgresUp = await postgresAvailable();
  const dir = mkdtempSync(join(tmpdir(), `errand-${name}-`));
  const redisPrefix = uniqueRedisPrefix(name);
  const postgresSchema = uniquePostgresSchema(name.replace(/\W/g, '_'));
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    if (redisUp) await deleteRedisPrefix(redisPrefix);
    if (postgresUp) await dropPostgresSchema(postgresSchema);
  });
  const postgresUrl = new URL(testPostgresUrl);
  postgresUrl.searchParams.set('schema', postgresSchema);
  return [
    { label: 'SQLite', url: `sqlite://${join(dir, `${name}.db`)}`, up: true },
    { label: 'Redis', url: `${testRedisUrl}/0?prefix=${redisPrefix}`, up: redisUp },
    { label: 'Postgres', url: postgresUrl.toString(), up: postgresUp },
  ];
}
