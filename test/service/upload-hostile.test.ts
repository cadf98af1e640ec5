/**
 * `POST /upload` of the reference service (a real child process in production mode, real sockets)
 * against the bodies attackers, careless clients and odd tools send: nothing stops the process,
 * nothing is left open or on disk, every name and size is read as the client meant it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, multipartBody, openFilesUnder, postMultipart, startUpload } from './raw-http.js';
import { serviceForTests } from './service-for-tests.js';

const limit = 4096;

const service = serviceForTests('upload-hostile', { fromSource: true, env: { NODE_ENV: 'production', ERRAND_DASHBOARD_TOKEN: 'tok', UPLOAD_LIMIT_BYTES: String(limit) } });
const uploads = (): string => join(service.dataDir, 'uploads');
const storedFiles = (): string[] => {
  try {
    return readdirSync(uploads()).sort();
  } catch {
    return [];
  }
};

async function healthy(): Promise<boolean> {
  const response = await fetch(`${service.url}/healthz`);
  return response.status === 200;
}

async function jobResult(jobId: string): Promise<Record<string, unknown>> {
  let job: { state?: string; result?: Record<string, unknown> } = {};
  await eventually(async () => {
    job = (await (await fetch(`${service.url}/jobs/${jobId}`)).json()) as typeof job;
    return job.state === 'succeeded' || job.state === 'dead';
  });
  expect(job.state).toBe('succeeded');
  return job.result ?? {};
}

describe('POST /upload against hostile and careless clients (production mode)', () => {
  it('survives a NUL byte in filename*, sent again and again, and stores the file under a clean name', async () => {
    const body = Buffer.from(`--B\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''a.c%00sv\r\n\r\nx\r\n--B--\r\n`);
    for (let round = 0; round < 5; round += 1) {
      const answer = await postMultipart(`${service.url}/upload`, body);
      expect(answer.status).toBe(202);
      expect(await healthy()).toBe(true);
    }
    const answer = await postMultipart(`${service.url}/upload`, body);
    expect((await jobResult(String(answer.body.jobId))).filename).toBe('a.csv');
  });

  it('answers 400, not 500, to a multipart body without a boundary', async () => {
    const answer = await postMultipart(`${service.url}/upload`, Buffer.from('x'), 'multipart/form-data');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, code: 'ERRAND_MALFORMED_MULTIPART' });
  });

  it('answers a multipart body cut off before its closing boundary 400 ERRAND_MALFORMED_MULTIPART, the status the catalogue gives that code', async () => {
    const answer = await postMultipart(`${service.url}/upload`, Buffer.from('--B\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc'));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, code: 'ERRAND_MALFORMED_MULTIPART' });
  });

  it('answers an unknown order 404 with a code, as every error answer of the service has one', async () => {
    const response = await fetch(`${service.url}/orders/00000000-0000-4000-8000-000000000000`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, code: 'ORDER_NOT_FOUND' });
  });

  it('accepts a file of exactly UPLOAD_LIMIT_BYTES and refuses one byte more without leaving it on disk', async () => {
    const before = storedFiles();
    const exact = await postMultipart(`${service.url}/upload`, multipartBody([{ disposition: 'name="file"; filename="exact.bin"', content: Buffer.alloc(limit, 0x61) }]));
    expect(exact.status).toBe(202);
    expect((await jobResult(String(exact.body.jobId))).bytes).toBe(limit);
    const afterExact = storedFiles();
    const over = await postMultipart(`${service.url}/upload`, multipartBody([{ disposition: 'name="file"; filename="over.bin"', content: Buffer.alloc(limit + 1, 0x61) }]));
    expect(over.status).toBe(413);
    expect(afterExact.length).toBe(before.length + 1);
    expect(await eventually(() => storedFiles().length === afterExact.length)).toBe(true);
  });

  it('reads a raw UTF-8 filename as UTF-8 and strips CR and LF from names', async () => {
    const utf8 = await postMultipart(`${service.url}/upload`, multipartBody([{ disposition: 'name="file"; filename="ünï-файл.csv"', content: 'a,b\n1,2\n' }]));
    expect(utf8.status).toBe(202);
    expect((await jobResult(String(utf8.body.jobId))).filename).toBe('ünï-файл.csv');
    const crlf = await postMultipart(`${service.url}/upload`, multipartBody([{ disposition: `name="file"; filename*=UTF-8''evil%0D%0Aname.csv`, content: 'x' }]));
    expect(crlf.status).toBe(202);
    expect((await jobResult(String(crlf.body.jobId))).filename).toBe('evilname.csv');
  });

  it('takes the file field whatever other parts come before it', async () => {
    const body = multipartBody([
      { disposition: 'name="note"', content: 'hello' },
      { disposition: 'name="attachment"; filename="other.txt"', content: 'not this one' },
      { disposition: 'name="file"; filename="wanted.txt"', content: 'this one' },
    ]);
    const answer = await postMultipart(`${service.url}/upload`, body);
    expect(answer.status).toBe(202);
    expect(await jobResult(String(answer.body.jobId))).toMatchObject({ filename: 'wanted.txt', bytes: 8 });
  });

  it('closes the file and removes it when clients go away mid-body: no descriptor, no partial file', async () => {
    const before = storedFiles();
    const sockets = await Promise.all(Array.from({ length: 30 }, () => startUpload(service.url, limit - 10, 1000)));
    // The server has opened the files of these uploads by now, or will: wait until it holds some.
    await eventually(() => openFilesUnder(service.pid, uploads()).length > 0, 10_000);
    for (const socket of sockets) socket.destroy();
    expect(await eventually(() => openFilesUnder(service.pid, uploads()).length === 0)).toBe(true);
    expect(await eventually(() => storedFiles().join() === before.join())).toBe(true);
    expect(await healthy()).toBe(true);
  });
});
