import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRecord } from '../../src/jobs/job.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { createQueue } from '../../src/jobs/queue.js';
import { napTask } from './crash-task.js';
import { CrashWorkerProcess, type CrashEvent } from './crash-worker-process.js';
import { openBackend } from './open-backend.js';

/**
 * Kills per crash run in the test suite: `CRASH_KILLS`, else 30 (every backend, every SQLite
 * driver, on every Node in CI: 30 keeps the suite inside CI's time budget; each kill boots a
 * replacement process). `CRASH_KILLS=100 npx vitest run test/crash` for a longer run, and
 * `npm run chaos` for thousands (docs/reliability.md).
 */
export function crashKills(): number {
  return Number(process.env.CRASH_KILLS ?? 30);
}

/** Options of {@link runCrashRun}. */
export interface CrashRunOptions {
  /** Queue URL every process opens (see open-backend.ts). */
  queueUrl: string;
  /** Where workers log each stored completion. */
  logPath: string;
  /** @default 30 */
  kills?: number;
  /** Worker processes alive at any time. @default 6 */
  workers?: number;
  /** @default 1000 */
  leaseMs?: number;
  /** @default 250 */
  heartbeatMs?: number;
  /** Shortest time between two kills (spawning a replacement costs CPU). @default 450 */
  minCycleMs?: number;
  /** Stop killing after this long even if fewer than `kills` were made (then drain and check as usual). @default no limit */
  killingMs?: number;
  /** The library's default lease, heartbeat, poll and liveness (leaseMs and heartbeatMs are then ignored). @default false */
  defaults?: boolean;
  /** Where the nap task logs its side effect (one line per attempt run to the end). @default none */
  effectsPath?: string;
  /** Progress lines. @default no output */
  log?: (line: string) => void;
}

/** One kill -9 and what it interrupted. */
export interface Kill {
  pid: number;
  at: number;
  jobs: { jobId: string; attempt: number }[];
}

/** What a crash run found. */
export interface CrashReport {
  enqueued: number;
  kills: Kill[];
  /** ms from a kill to the interrupted job starting again, one per interrupted job that re-ran. */
  recoveriesMs: number[];
  /**
   * For each of `recoveriesMs`, the attempt that started minus the one killed: 1 when the next claim
   * ran it; more when a claim in between was lost too (the worker that took the job over was itself
   * killed before its start line, and the job waited for a second lapse).
   */
  recoveryAttemptGaps: number[];
  /** Interrupted jobs whose result had already been stored when the kill landed (nothing to re-run). */
  finishedBeforeKill: number;
  /** Interrupted jobs another worker had already taken over when the kill landed (their re-run started before it). */
  takenOverBeforeKill: number;
  /** Interrupted jobs never seen again (should be empty). */
  unrecovered: string[];
  /** Jobs not succeeded at the end (should be empty). */
  lost: { id: string; state: string }[];
  /** Jobs with more than one stored completion in the log (should be empty). */
  completedTwice: string[];
  /** Jobs whose backend record disagrees with the logged completion (should be empty). */
  mismatched: string[];
  durationMs: number;
}

/**
 * Runs worker processes against one queue and kills one with SIGKILL in the middle of a job,
 * `kills` times, starting a replacement each time; then lets the queue drain and checks every job.
 * Backend-agnostic: everything goes through the queue URL.
 */
export async function runCrashRun(options: CrashRunOptions): Promise<CrashReport> {
  const started = performance.now();
  const { queueUrl, logPath } = options;
  const killTarget = options.kills ?? 30;
  const leaseMs = options.leaseMs ?? 1000;
  const log = options.log ?? (() => undefined);
  const env: NodeJS.ProcessEnv = { ERRAND_QUEUE: queueUrl, CRASH_LOG: logPath, CRASH_LEASE_MS: String(leaseMs), CRASH_HEARTBEAT_MS: String(options.heartbeatMs ?? 250), CRASH_DEFAULTS: options.defaults === true ? '1' : '0' };
  if (options.effectsPath !== undefined) env.CRASH_EFFECTS = options.effectsPath;
  const backend = await openBackend(queueUrl);
  const queue = createQueue({ backend });
  const ids: string[] = [];
  const kills: Kill[] = [];
  const awaitingRerun = new Map<string, { attempt: number; killedAt: number }>();
  const recoveriesMs: number[] = [];
  const recoveryAttemptGaps: number[] = [];
  const live = new Set<CrashWorkerProcess>();
  const all: CrashWorkerProcess[] = [];

  // The killed worker's last lines can still arrive after the kill: its own `started` for the
  // killed attempt says nothing, its `succeeded` for it means the job finished just before the kill.
  let succeededJustBeforeKill = 0;
  let takenOverBeforeKill = 0;
  // The newest attempt seen to start, per job. A starved worker's `started` line can arrive after a
  // later attempt's (its lease or liveness had lapsed and another worker took the job): that stale
  // entry must not be awaited as a kill of the job's current attempt.
  const newestAttempt = new Map<string, number>();
  const onEvent = (event: CrashEvent, worker: CrashWorkerProcess): void => {
    if (event.event === 'started') {
      newestAttempt.set(event.jobId, Math.max(event.attempt, newestAttempt.get(event.jobId) ?? 0));
      // Another worker took the job over: the old holder's lease lapsed (a loaded machine starves
      // its heartbeat) and it dropped the job without a line the parent sees. Killing it now would
      // not interrupt this job, so it must not count as one of its jobs.
      for (const other of live) {
        const held = other.running.get(event.jobId);
        if (other !== worker && held !== undefined && held.attempt < event.attempt) other.running.delete(event.jobId);
      }
    }
    if (event.event !== 'started' && event.event !== 'succeeded') return;
    const pending = awaitingRerun.get(event.jobId);
    if (pending === undefined || event.attempt < pending.attempt) return;
    if (event.event === 'started') {
      if (event.attempt === pending.attempt) return;
      recoveriesMs.push(performance.now() - pending.killedAt);
      recoveryAttemptGaps.push(event.attempt - pending.attempt);
    } else if (event.attempt === pending.attempt) {
      succeededJustBeforeKill += 1;
    } else {
      // A later attempt finished and its start was never seen after the kill: another worker had
      // taken the job over before the kill landed (the victim's lease or liveness lapsed on a
      // starved machine, and that start line arrived before the kill was recorded).
      takenOverBeforeKill += 1;
    }
    awaitingRerun.delete(event.jobId);
  };
  const spawnWorker = (): void => {
    const worker = new CrashWorkerProcess(env, onEvent);
    live.add(worker);
    all.push(worker);
  };

  /**
   * Keeps about one job per ready worker waiting or running in a live worker. Each worker runs two
   * at once, so a slot stays free to pick up a killed job the moment its lease lapses; jobs held by
   * killed workers are not counted, so the run never starves while their leases run out.
   */
  let lastTopUp = 0;
  const topUp = async (): Promise<void> => {
    lastTopUp = performance.now();
    const workers = [...live];
    const ready = workers.filter((worker) => worker.ready).length;
    // A job the parent saw start more than 5 s ago (naps last under 1 s) was taken from its worker
    // meanwhile without a line the parent sees (its lease or liveness lapsed on a starved machine):
    // counting it as busy would stop the top-ups and starve the run.
    const now = performance.now();
    for (const worker of workers) for (const [id, job] of worker.running) if (now - job.startedAt > 5_000) worker.running.delete(id);
    const busy = workers.reduce((sum, worker) => sum + worker.running.size, 0);
    const { counts } = await backend.stats();
    const missing = Math.max(ready, 2) - (counts.queued + busy);
    if (missing <= 0) return;
    const naps = Array.from({ length: missing }, () => ({ ms: 300 + Math.floor(Math.random() * 500) }));
    ids.push(...(await Promise.all(naps.map((payload) => queue.enqueue(napTask, payload)))));
  };

  /**
   * A live worker whose newest job has run long enough to be surely mid-job, once one exists and
   * at least two other workers are ready to take its jobs over (replacements need a second or so to
   * boot, and a job whose lease lapsed is only taken back by a polling worker).
   */
  const pickVictim = async (): Promise<CrashWorkerProcess> => {
    // Six `node --import tsx` workers took over 20 s to boot at load 20 on two cores.
    const deadline = performance.now() + 120_000;
    while (performance.now() < deadline) {
      const ready = [...live].filter((worker) => worker.ready);
      for (const worker of ready.length >= 3 ? ready : []) {
        const newest = Math.max(...[...worker.running.values()].map((job) => job.startedAt));
        if (worker.running.size > 0 && performance.now() - newest >= 100 + Math.random() * 150) return worker;
      }
      if (performance.now() - lastTopUp > 200) await topUp();
      await sleep(10);
    }
    const { counts } = await backend.stats();
    const seen = [...live].map((worker) => `${worker.child.pid ?? 0}:${worker.ready ? 'ready' : 'booting'}:${worker.running.size}`).join(' ');
    throw new Error(`crash run: no worker was running a job for 120 s; workers ${seen}; queue ${JSON.stringify(counts)}; stderr of the last worker: ${all.at(-1)?.stderr ?? ''}`);
  };

  try {
    await topUp();
    for (let index = 0; index < (options.workers ?? 6); index += 1) spawnWorker();
    // Booting several processes at once on a loaded machine takes a while: start counting once they run.
    const booted = performance.now() + 120_000;
    while ([...live].some((worker) => !worker.ready) && performance.now() < booted) await sleep(50);
    const stopKillingAt = started + (options.killingMs ?? Infinity);
    while (kills.length < killTarget && performance.now() < stopKillingAt) {
      const cycleStart = performance.now();
      await topUp();
      const victim = await pickVictim();
      const at = performance.now();
      const jobs = [...victim.running].map(([jobId, job]) => ({ jobId, attempt: job.attempt }));
      for (const job of jobs) {
        if (job.attempt < (newestAttempt.get(job.jobId) ?? 0)) takenOverBeforeKill += 1;
        else awaitingRerun.set(job.jobId, { attempt: job.attempt, killedAt: at });
      }
      victim.killNow();
      live.delete(victim);
      kills.push({ pid: victim.child.pid ?? 0, at, jobs });
      spawnWorker();
      if (kills.length % 10 === 0) log(`crash run: ${kills.length} kills, ${ids.length} jobs, ${((performance.now() - started) / 1000).toFixed(1)} s`);
      await sleep(Math.max(0, (options.minCycleMs ?? 450) - (performance.now() - cycleStart)));
    }
    await waitUntilDrained(backend, ids.length, 30_000);
  } finally {
    await Promise.all(all.map((worker) => (worker.killed ? worker.exited : worker.stop())));
  }

  const report = await check(backend, ids, logPath);
  // A job still awaited was either completed by the killed worker just before the kill, or never
  // ran again: the failure this test exists for. The completion shows as the logged attempt being
  // the interrupted one, or (a kill between the commit and the log line) as the record having
  // succeeded on that very attempt.
  const finishedBeforeKill: string[] = [];
  const unrecovered: string[] = [];
  let takenOverUnseen = 0;
  for (const [id, pending] of awaitingRerun) {
    const record = await backend.get(id);
    const finished = report.loggedAttempt.get(id) === pending.attempt || (record?.state === 'succeeded' && record.attempts === pending.attempt);
    if (finished) finishedBeforeKill.push(id);
    // The record shows a later attempt: another worker took the job (it ran again). On a starved
    // machine that attempt can start and end before the parent records the kill of a worker whose
    // lease or liveness had already lapsed; then no line after the kill shows it.
    else if (record !== undefined && record.attempts > pending.attempt) takenOverUnseen += 1;
    else unrecovered.push(id);
  }
  await backend.close();
  return {
    enqueued: ids.length,
    kills,
    recoveriesMs,
    recoveryAttemptGaps,
    finishedBeforeKill: finishedBeforeKill.length + succeededJustBeforeKill,
    takenOverBeforeKill: takenOverBeforeKill + takenOverUnseen,
    unrecovered,
    lost: report.lost,
    completedTwice: report.completedTwice,
    mismatched: report.mismatched,
    durationMs: performance.now() - started,
  };
}

/**
 * Waits until every job has ended, for as long as the queue makes progress: it gives up only after
 * `stallMs` without one more job ending (a fixed deadline counted a backlog that was still draining
 * on a loaded machine as stuck jobs).
 */
async function waitUntilDrained(backend: JobBackend, total: number, stallMs: number): Promise<void> {
  let ended = -1;
  let progressAt = performance.now();
  while (performance.now() - progressAt < stallMs) {
    const { counts } = await backend.stats();
    const now = counts.succeeded + counts.dead + counts.cancelled;
    if (now >= total) return;
    if (now > ended) {
      ended = now;
      progressAt = performance.now();
    }
    await sleep(100);
  }
}

/** Compares the backend's records with the completion log. */
async function check(backend: JobBackend, ids: readonly string[], logPath: string) {
  const lines = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').filter((line) => line !== '') : [];
  const completions = new Map<string, { attempt: number; token: string }[]>();
  for (const line of lines) {
    const [id = '', attempt = '0', token = ''] = line.split(' ');
    completions.set(id, [...(completions.get(id) ?? []), { attempt: Number(attempt), token }]);
  }
  const lost: { id: string; state: string }[] = [];
  const mismatched: string[] = [];
  const loggedAttempt = new Map<string, number>();
  for (const id of ids) {
    const record: JobRecord | undefined = await backend.get(id);
    const logged = completions.get(id) ?? [];
    if (logged[0] !== undefined) loggedAttempt.set(id, logged[0].attempt);
    if (record?.state !== 'succeeded') {
      lost.push({ id, state: record?.state ?? 'missing' });
      continue;
    }
    // A kill between the commit and the log line would leave a stored completion unlogged.
    if (logged.length === 1 && logged[0]?.attempt !== record.attempts) mismatched.push(id);
  }
  const completedTwice = [...completions].filter(([, entries]) => entries.length > 1).map(([id]) => id);
  return { lost, mismatched, completedTwice, loggedAttempt };
}
