import { join } from 'node:path';
import { defineSchedule, type AnyTask, type ScheduleDefinition } from 'errand/jobs';
import type { ServiceConfig } from './config.js';
import { createDailyDigestTask } from './tasks/daily-digest.js';
import type { ServiceDeps } from './tasks/service-deps.js';
import { createSweepUploadsTask } from './tasks/sweep-uploads.js';

/** The service's scheduled tasks and their schedules, for the worker that ticks them. */
export interface ServiceSchedules {
  tasks: AnyTask[];
  schedules: ScheduleDefinition[];
}

/**
 * The reference service's two schedules, stored by the worker at start and ticked exactly once per
 * tick however many processes run (docs/schedules.md), listed with their next run on the dashboard
 * and by `errand schedules`:
 *
 * - `uploads-retention`: `sweep-uploads` every UPLOAD_SWEEP_SECONDS (by default half of
 *   UPLOAD_RETENTION_SECONDS, between 1 s and 10 min); none when the retention is 0 (a stored one
 *   is then removed).
 * - `daily-digest`: `daily-digest` mails DIGEST_TO the registrations of the day before each tick, on
 *   DIGEST_CRON in DIGEST_TIMEZONE (08:00 UTC by default), or every DIGEST_INTERVAL_SECONDS when set
 *   (the registrations of that interval; a test runs it every second).
 *
 * Both skip a tick while the previous run is unfinished and run only the latest missed tick after
 * downtime (the schedule defaults).
 *
 * @example
 * const { tasks, schedules } = createServiceSchedules(config, deps)
 * createWorker({ backend, tasks: [...durableTasks(serviceTasks), ...tasks], schedules })
 */
export function createServiceSchedules(config: ServiceConfig, deps: Pick<ServiceDeps, 'store' | 'mailer'>): ServiceSchedules {
  const retentionMs = config.uploadRetentionSeconds * 1000;
  const sweep = createSweepUploadsTask({ dir: join(config.dataDir, 'uploads'), retentionMs });
  const { digest: digestConfig } = config;
  const periodMs = digestConfig.intervalSeconds === undefined ? 86_400_000 : digestConfig.intervalSeconds * 1000;
  const digest = createDailyDigestTask(deps, { to: digestConfig.to, periodMs });
  const schedules: ScheduleDefinition[] = [
    digestConfig.intervalSeconds === undefined
      ? defineSchedule(digest, { name: 'daily-digest', cron: digestConfig.cron, timezone: digestConfig.timezone, payload: {} })
      : defineSchedule(digest, { name: 'daily-digest', every: periodMs, payload: {} }),
  ];
  if (retentionMs > 0) schedules.push(defineSchedule(sweep, { name: 'uploads-retention', every: config.uploadSweepSeconds * 1000, payload: {} }));
  return { tasks: [sweep, digest], schedules };
}
