import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../backends/memory/memory-backend.js';
import type { JobBackend } from '../jobs/backend.js';
import { defineSchedule } from '../jobs/define-schedule.js';
import { defineTask } from '../jobs/define-task.js';
import { syncSchedules } from '../jobs/scheduler.js';
import type { CliIo } from './stats-command.js';
import { runSchedules } from './schedules-command.js';

function capture(backend: JobBackend): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, backend, out: (text) => stdout.push(text), err: (text) => stderr.push(text) };
}

describe('errand schedules', () => {
  let backend: JobBackend;
  beforeEach(async () => {
    backend = createMemoryBackend();
    const digest = defineTask('digest', { handler: () => undefined });
    const schedules = [defineSchedule(digest, { cron: '0 7 * * *', timezone: 'Europe/Paris' }), defineSchedule(digest, { name: 'ping', every: 5_000, overlap: 'allow' })];
    await syncSchedules(backend.schedules!, schedules, ['digest'], Date.UTC(2026, 0, 1));
  });
  afterEach(() => backend.close());

  it('lists schedules with their timing, policies and next run', async () => {
    const io = capture(backend);
    expect(await runSchedules(['list'], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/^digest\s+digest\s+cron 0 7 \* \* \* \(Europe\/Paris\)\s+skip\/latest\s+2026-01-01T06:00:00.000Z\s+-$/m);
    expect(text).toMatch(/^ping\s+digest\s+every 5000 ms\s+allow\/latest\s+2026-01-01T00:00:05.000Z/m);
    const json = capture(backend);
    expect(await runSchedules(['list', '--json'], json)).toBe(0);
    expect((JSON.parse(json.stdout[0] ?? '') as { name: string }[]).map((s) => s.name)).toEqual(['digest', 'ping']);
  });

  it('pauses and resumes by name; an unknown name exits 2, a missing one 1', async () => {
    const io = capture(backend);
    expect(await runSchedules(['pause', 'ping'], io)).toBe(0);
    expect(io.stdout[0]).toBe('schedule ping paused');
    const listed = capture(backend);
    await runSchedules(['list'], listed);
    expect(listed.stdout.join('\n')).toMatch(/^ping\s.*\spaused\s/m);
    const resumed = capture(backend);
    expect(await runSchedules(['resume', 'ping'], resumed)).toBe(0);
    expect(resumed.stdout[0]).toMatch(/^schedule ping resumed; next run \d{4}-/);
    const unknown = capture(backend);
    expect(await runSchedules(['pause', 'nope'], unknown)).toBe(2);
    expect(unknown.stderr[0]).toContain('no schedule is named "nope"');
    const missing = capture(backend);
    expect(await runSchedules(['pause'], missing)).toBe(1);
  });
});
