/**
 * The reference service's schedules (a real child process, intervals set by environment variables):
 * `uploads-retention` removes uploaded files past UPLOAD_RETENTION_SECONDS, `daily-digest` mails the
 * registrations since the last digest; both are listed on the dashboard with their next run, and
 * neither keeps the process from stopping on SIGTERM.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, multipartBody, postMultipart } from './raw-http.js';
import { serviceForTests } from './service-for-tests.js';

const service = serviceForTests('schedules', {
  fromSource: true,
  env: { UPLOAD_RETENTION_SECONDS: '5', UPLOAD_SWEEP_SECONDS: '1', DIGEST_INTERVAL_SECONDS: '1', DIGEST_TO: 'ops@example.com' },
});

const stored = (): string[] => {
  try {
    return readdirSync(join(service.dataDir, 'uploads'));
  } catch {
    return [];
  }
};

interface Mail {
  to: string[];
  subject: string;
  text: string;
}

const digests = async (): Promise<Mail[]> => ((await (await fetch(`${service.url}/dev/mailbox?limit=500`)).json()) as Mail[]).filter((mail) => mail.subject.startsWith('Registrations digest'));

describe('the reference service schedules', () => {
  it('lists both schedules on the dashboard with their interval and next run', async () => {
    type Listing = { enabled: boolean; schedules: { name: string; spec: { task: string; every?: number }; nextRunAt: number; paused: boolean }[] };
    const read = async (): Promise<Listing> => {
      const response = await fetch(`${service.url}/dashboard/api/schedules`);
      expect(response.status).toBe(200);
      return (await response.json()) as Listing;
    };
    // A worker upserts its schedules once it can run their jobs (its first claim answered), a moment after it starts.
    expect(await eventually(async () => (await read()).schedules.length === 2, 30_000)).toBe(true);
    const { enabled, schedules } = await read();
    expect(enabled).toBe(true);
    expect(schedules.map(({ name, spec, paused }) => ({ name, task: spec.task, every: spec.every, paused }))).toEqual([
      { name: 'daily-digest', task: 'daily-digest', every: 1_000, paused: false },
      { name: 'uploads-retention', task: 'sweep-uploads', every: 1_000, paused: false },
    ]);
    for (const schedule of schedules) expect(schedule.nextRunAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('mails each registration in exactly one digest, to DIGEST_TO', async () => {
    const emails = ['ada@example.com', 'grace@example.com', 'edsger@example.com'];
    for (const email of emails) {
      const answer = await fetch(`${service.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
      expect(answer.status).toBe(200);
    }
    const counted = async (): Promise<number> => (await digests()).reduce((sum, mail) => sum + Number(/^Registrations digest: (\d+)$/.exec(mail.subject)?.[1]), 0);
    expect(await eventually(async () => (await counted()) >= emails.length, 60_000)).toBe(true);
    const mails = await digests();
    expect(new Set(mails.flatMap((mail) => mail.to))).toEqual(new Set(['ops@example.com']));
    for (const email of emails) expect(mails.filter((mail) => mail.text.split('\n').includes(email)), email).toHaveLength(1);
    expect(await counted()).toBe(emails.length);
  });

  it('removes uploaded files once past UPLOAD_RETENTION_SECONDS, then stops with the service', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, index) => postMultipart(`${service.url}/upload`, multipartBody([{ disposition: `name="file"; filename="f${index}.csv"`, content: 'a,b\n1,2\n' }]))),
    );
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    expect(stored().length).toBeGreaterThan(0);
    // Each job read its file within the retention; what stays after it is only disk use.
    for (const answer of answers) {
      expect(await eventually(async () => ((await (await fetch(`${service.url}/jobs/${String(answer.body.jobId)}`)).json()) as { state: string }).state === 'succeeded')).toBe(true);
    }
    expect(await eventually(() => stored().length === 0, 30_000)).toBe(true);
    expect(await service.stop()).toBe(0);
  });
});
