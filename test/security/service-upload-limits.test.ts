/**
 * `POST /upload` of the reference service attacked from outside: it had neither the per-client
 * write rate limit nor the data directory's cap, and the cap did not count `uploads/`, so one client
 * posting files as fast as it could filled the disk through it. Each attack runs against the real
 * service process in production mode, over real HTTP.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { multipartBody, postMultipart } from '../service/raw-http.js';
import { serviceForTests } from '../service/service-for-tests.js';
import { cappedServiceForTests } from './capped-service.js';
import { expectRateLimited } from './expect-rate-limited.js';

function uploadedFiles(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'uploads'));
  } catch {
    return [];
  }
}

function uploadedBytes(dataDir: string): number {
  return uploadedFiles(dataDir).reduce((sum, name) => sum + statSync(join(dataDir, 'uploads', name)).size, 0);
}

async function upload(base: string, bytes: number): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const body = multipartBody([{ disposition: 'name="file"; filename="flood.bin"', content: Buffer.alloc(bytes, 0x61) }]);
  const response = await fetch(`${base}/upload`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=B' }, body: new Uint8Array(body) });
  return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) as Record<string, unknown> };
}

describe('POST /upload counts against the per-client write limit', () => {
  const service = serviceForTests('upload-rate', { fromSource: true, env: { NODE_ENV: 'production', WRITE_RATE_LIMIT: '3', WRITE_RATE_WINDOW_SECONDS: '3600' } });

  it('a client posting 12 files at once gets 3 stored and 9 answers of 429 with Retry-After, nothing of theirs on disk', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => upload(service.url, 1024)));
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(3);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(9);
    for (const answer of refused) expectRateLimited(answer, 3600);
    expect(uploadedFiles(service.dataDir)).toHaveLength(3);
    // One count across the writing routes: the JSON ones are refused too.
    const register = await fetch(`${service.url}/register?email=late@example.com`, { method: 'POST' });
    expect(register.status).toBe(429);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});

describe('POST /upload stops before a file would take the data directory past DATA_MAX_BYTES', () => {
  const capped = cappedServiceForTests('upload-cap');
  const dataDir = capped.dataDir;

  it('a flood of concurrent uploads is refused with 507 SERVICE_STORAGE_FULL once the next file could pass the cap, the uploads never adding up past it and no partial file left', async () => {
    const fileBytes = 60 * 1024;
    // The cap leaves 2 MiB above the service's own files at start, for the uploads and for the logs
    // the queue writes while their jobs run.
    const room = 2 * 1024 * 1024;
    const { service: running } = await capped.start({ NODE_ENV: 'production', WRITE_RATE_LIMIT: '0', UPLOAD_LIMIT_BYTES: String(64 * 1024) }, room);
    const base = running.url;

    let accepted = 0;
    let full: Awaited<ReturnType<typeof upload>> | undefined;
    // About 34 files fit in the room; a wave of 20 at a time, until one is refused.
    for (let wave = 0; wave < 10 && full === undefined; wave++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => upload(base, fileBytes)));
      expect(answers.every((answer) => answer.status === 202 || answer.status === 507)).toBe(true);
      accepted += answers.filter((answer) => answer.status === 202).length;
      full = answers.find((answer) => answer.status === 507);
      // Each accepted file is whole on disk, each refused one left nothing...
      expect(uploadedFiles(dataDir)).toHaveLength(accepted);
      expect(uploadedBytes(dataDir)).toBe(accepted * fileBytes);
      // ...and the files never add up to more than the room, however many arrived together.
      expect(uploadedBytes(dataDir)).toBeLessThanOrEqual(room);
    }
    expect(full, `no 507 after ${accepted} uploads were accepted`).toBeDefined();
    expect(accepted).toBeGreaterThan(0);
    expect(full?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(full?.body).toMatchObject({ status: 507, title: 'Insufficient Storage', code: 'SERVICE_STORAGE_FULL' });
    expect(String(full?.body.detail)).toContain('DATA_MAX_BYTES');
    expect(full?.body).not.toHaveProperty('stack');

    // A further wave is held by the cap too, each refused upload leaving nothing, and the service
    // keeps answering. The disk is measured again for it, and the worker-liveness file's
    // write-ahead log, truncated to its 256 KiB limit at a checkpoint, can free room for a few
    // files meanwhile (CI on Node 24 saw 1 of 20 accepted): never for most of the wave.
    const more = await Promise.all(Array.from({ length: 20 }, () => postMultipart(`${base}/upload`, multipartBody([{ disposition: 'name="file"; filename="late.bin"', content: Buffer.alloc(fileBytes, 0x62) }]))));
    const statuses = more.map((answer) => answer.status);
    expect(statuses.every((status) => status === 202 || status === 507)).toBe(true);
    expect(statuses.filter((status) => status === 507).length).toBeGreaterThan(statuses.length / 2);
    accepted += statuses.filter((status) => status === 202).length;
    expect(uploadedFiles(dataDir)).toHaveLength(accepted);
    expect(uploadedBytes(dataDir)).toBe(accepted * fileBytes);
    expect(uploadedBytes(dataDir)).toBeLessThanOrEqual(room);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
