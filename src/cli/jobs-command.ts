import { parseArgs } from 'node:util';
import { defaultQueueUrl } from '../backends/from-url.js';
import { retryAllDead } from '../dashboard/retry-all-dead.js';
import { ErrandError, isErrandError } from '../errors/errand-error.js';
import type { JobBackend } from '../jobs/backend.js';
import { jobStates, type JobRecord, type JobState } from '../jobs/job.js';
import type { CliCommand } from './main.js';
import { formatAge, formatTable, withBackend, type CliIo } from './stats-command.js';

const usage = `usage: errand jobs <list|show|retry|cancel> [options]

  errand jobs list [--state <state>] [--task <name>] [--limit n] [--offset n]
  errand jobs show <id>
  errand jobs retry <id>           a dead or cancelled job goes back to queued
  errand jobs retry --all-dead [--task <name>]
  errand jobs cancel <id>          a running job stops at its worker's next heartbeat

options:
  --queue <url>   memory:, sqlite:path.db, a file path, redis://host:6379
                  (env ERRAND_QUEUE, else $ERRAND_DATA_DIR/errand.db, default ${defaultQueueUrl})
  --json          print JSON instead of text
states: ${jobStates.join(', ')}`;

const consoleIo: CliIo = { out: (text) => console.log(text), err: (text) => console.error(text) };

interface JobsArgs {
  action: string | undefined;
  id: string | undefined;
  state?: JobState;
  task?: string;
  limit: number;
  offset: number;
  allDead: boolean;
  json: boolean;
  queue?: string;
}

function count(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`--${name} must be a whole number >= ${min}, got "${raw}"`);
  return value;
}

function parseJobsArgs(argv: string[]): JobsArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      state: { type: 'string' }, task: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' },
      'all-dead': { type: 'boolean' }, json: { type: 'boolean' }, queue: { type: 'string' },
    },
  });
  const state = values.state;
  if (state !== undefined && !(jobStates as readonly string[]).includes(state)) throw new RangeError(`--state must be one of ${jobStates.join(', ')}, got "${state}"`);
  return {
    action: positionals[0],
    id: positionals[1],
    state: state as JobState | undefined,
    task: values.task,
    limit: count('limit', values.limit, 20, 1),
    offset: count('offset', values.offset, 0, 0),
    allDead: values['all-dead'] === true,
    json: values.json === true,
    queue: values.queue,
  };
}

function describeJob(job: JobRecord): string {
  const lines = [
    `id         ${job.id}`,
    `task       ${job.task}`,
    `state      ${job.state}`,
    `attempts   ${job.attempts} of ${job.maxAttempts}`,
    `created    ${new Date(job.createdAt).toISOString()}`,
  ];
  if (job.state === 'delayed' || job.state === 'retrying') lines.push(`next run   ${new Date(job.runAt).toISOString()}`);
  if (job.finishedAt !== undefined) lines.push(`finished   ${new Date(job.finishedAt).toISOString()}`);
  if (job.progress !== undefined) lines.push(`progress   ${JSON.stringify(job.progress)}`);
  lines.push(`payload    ${JSON.stringify(job.payload)}`);
  if (job.result !== undefined) lines.push(`result     ${JSON.stringify(job.result)}`);
  if (job.error !== undefined) lines.push(`error      ${job.error.title}${job.error.detail === undefined ? '' : `: ${job.error.detail}`}${job.error.code === undefined ? '' : ` (${job.error.code})`}`);
  lines.push('timeline');
  for (const event of job.history) {
    lines.push(`  ${new Date(event.at).toISOString()}  ${event.type}${event.attempt === undefined ? '' : ` #${event.attempt}`}${event.message === undefined ? '' : `  ${event.message}`}`);
  }
  return lines.join('\n');
}

async function requireJob(backend: JobBackend, id: string): Promise<JobRecord> {
  const job = await backend.get(id);
  if (job === undefined) throw new ErrandError('ERRAND_JOB_NOT_FOUND', `no job has id "${id}"`);
  return job;
}

async function act(backend: JobBackend, args: JobsArgs, io: CliIo): Promise<number> {
  const now = Date.now();
  switch (args.action) {
    case 'list': {
      const page = await backend.list({ state: args.state, task: args.task, limit: args.limit, offset: args.offset });
      if (args.json) {
        io.out(JSON.stringify(page, null, 2));
        return 0;
      }
      const rows = page.jobs.map((job) => [job.id, job.task, job.state, `${job.attempts}/${job.maxAttempts}`, `${formatAge(now - job.updatedAt)} ago`]);
      io.out(formatTable([['id', 'task', 'state', 'attempts', 'updated'], ...rows]));
      io.out(`\n${page.jobs.length === 0 ? 0 : args.offset + 1}-${args.offset + page.jobs.length} of ${page.total}`);
      return 0;
    }
    case 'show': {
      const job = await requireJob(backend, needId(args));
      io.out(args.json ? JSON.stringify(job, null, 2) : describeJob(job));
      return 0;
    }
    case 'retry': {
      if (args.allDead) {
        io.out(`retried ${await retryAllDead(backend, args.task)} dead job(s)`);
        return 0;
      }
      const id = needId(args);
      if (!(await backend.retry(id))) {
        const job = await requireJob(backend, id);
        throw new ErrandError('ERRAND_JOB_NOT_RETRYABLE', `job "${id}" is ${job.state}; only dead or cancelled jobs can be retried`);
      }
      io.out(`job ${id} queued again`);
      return 0;
    }
    case 'cancel': {
      const id = needId(args);
      if (!(await backend.cancel(id))) {
        const job = await requireJob(backend, id);
        throw new ErrandError('ERRAND_JOB_STATE_CONFLICT', `job "${id}" is ${job.state}; only unfinished jobs can be cancelled`);
      }
      const job = await requireJob(backend, id);
      io.out(job.state === 'running' ? `job ${id} flagged; its worker stops it at the next heartbeat` : `job ${id} cancelled`);
      return 0;
    }
    default:
      throw new TypeError(args.action === undefined ? 'missing action' : `unknown action "${args.action}"`);
  }
}

function needId(args: JobsArgs): string {
  if (args.id === undefined || args.id === '') throw new TypeError(`errand jobs ${args.action ?? ''} needs a job id`);
  return args.id;
}

/**
 * `errand jobs`, with its output and backend injectable. Exit codes: 0 done, 1 bad usage,
 * 2 the job is unknown or in the wrong state.
 *
 * @example
 * process.exitCode = await runJobs(['list', '--state', 'dead'])
 */
export async function runJobs(argv: string[], io: CliIo = consoleIo): Promise<number> {
  let args: JobsArgs;
  try {
    args = parseJobsArgs(argv);
    if (!['list', 'show', 'retry', 'cancel'].includes(args.action ?? '')) throw new TypeError(args.action === undefined ? 'missing action' : `unknown action "${args.action}"`);
  } catch (error) {
    io.err(`errand jobs: ${(error as Error).message}\n\n${usage}`);
    return 1;
  }
  try {
    return await withBackend(io, args.queue, (backend) => act(backend, args, io));
  } catch (error) {
    if (error instanceof TypeError) {
      io.err(`errand jobs: ${error.message}\n\n${usage}`);
      return 1;
    }
    if (isErrandError(error, 'ERRAND_JOB_NOT_FOUND') || isErrandError(error, 'ERRAND_JOB_NOT_RETRYABLE') || isErrandError(error, 'ERRAND_JOB_STATE_CONFLICT')) {
      io.err(`errand jobs: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

/** `errand jobs list|show|retry|cancel` against the configured backend. */
export const jobsCommand: CliCommand = {
  summary: 'list, show, retry or cancel durable jobs (--queue url, --state, --task, --json)',
  usage,
  run: (argv) => runJobs(argv),
};
