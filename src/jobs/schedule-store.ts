import type { NewJob } from './job.js';

/** What runs while the previous tick's job is unfinished. */
export type OverlapPolicy = 'skip' | 'queue' | 'allow';

/** Which ticks run when the scheduler finds several due at once (after downtime, or a busy worker). */
export type MissedPolicy = 'none' | 'latest' | 'all';

/**
 * A schedule as stored: JSON-compatible, so every node ticks from the deployed definition rather than
 * from its own copy. Made by the worker from a `defineSchedule` declaration.
 */
export interface ScheduleSpec {
  task: string;
  /** Exactly one of `cron` and `every`. */
  cron?: string;
  every?: number;
  /** IANA zone of `cron`. */
  timezone: string;
  payload: unknown;
  overlap: OverlapPolicy;
  missed: MissedPolicy;
  /** Most missed ticks run under `missed: 'all'` (besides the latest). */
  maxMissed: number;
  /** Under `missed: 'none'`, how late the latest tick may be and still run. */
  graceMs: number;
  priority: number;
  maxAttempts: number;
}

/** One stored schedule. */
export interface StoredSchedule {
  /** Unique name; the schedule's identity across deploys. */
  name: string;
  spec: ScheduleSpec;
  /** Epoch ms of the next tick not yet handled (the compare-and-set value). */
  nextRunAt: number;
  /** Epoch ms of the last tick that enqueued a job, or null. Its job id is `scheduleJobId(name, lastTickAt)`. */
  lastTickAt: number | null;
  paused: boolean;
  updatedAt: number;
}

/** The compare-and-set of one tick: moves `nextRunAt` from `expectedNextRunAt`. */
export interface ScheduleAdvance {
  name: string;
  expectedNextRunAt: number;
  nextRunAt: number;
  lastTickAt: number | null;
  now: number;
}

/**
 * Schedule storage, offered by a backend as `backend.schedules`. Only `advance` needs care: it is
 * how every node agrees on which one handles a tick.
 */
export interface ScheduleStore {
  list(): Promise<StoredSchedule[]>;
  get(name: string): Promise<StoredSchedule | undefined>;
  /** Inserts or replaces the schedule named `schedule.name`. */
  save(schedule: StoredSchedule): Promise<void>;
  /** Deletes a schedule (its jobs stay). False when unknown. */
  remove(name: string): Promise<boolean>;
  /** Sets the paused flag and the next run time. False when unknown. */
  setPaused(name: string, paused: boolean, nextRunAt: number, now: number): Promise<boolean>;
  /**
   * When the stored schedule is not paused and its `nextRunAt` equals `advance.expectedNextRunAt`,
   * stores the advance and enqueues `jobs`, as one step; answers true. Otherwise changes nothing and
   * answers false (another node handled the tick, or the schedule changed or was paused). A job whose
   * id already exists is not stored again, so a retried step never makes a second job.
   */
  advance(advance: ScheduleAdvance, jobs: readonly NewJob[]): Promise<boolean>;
}
