import { parseArgs } from 'node:util';
import { defaultQueueUrl } from '../backends/from-url.js';
import { isErrandError } from '../errors/errand-error.js';
import { createQueue } from '../jobs/queue.js';
import type { StoredSchedule } from '../jobs/schedule-store.js';
import type { CliCommand } from './main.js';
import { formatTable, withBackend, type CliIo } from './stats-command.js';

const usage = `usage: errand schedules <list|pause|resume> [options]

  errand schedules list            every stored schedule, its timing, policies and next run
  errand schedules pause <name>    stops it ticking on every worker until resumed
  errand schedules resume <name>   ticks again from its next tick after now

options:
  --queue <url>   memory:, sqlite:path.db, a file path, redis://host:6379, postgres://…
                  (env ERRAND_QUEUE, else $ERRAND_DATA_DIR/errand.db, default ${defaultQueueUrl})
  --json          print JSON instead of text`;

const consoleIo: CliIo = { out: (text) => console.log(text), err: (text) => console.error(text) };

function timing(schedule: StoredSchedule): string {
  const { spec } = schedule;
  if (spec.every !== undefined) return `every ${spec.every} ms`;
  return spec.timezone === 'UTC' ? `cron ${spec.cron ?? ''}` : `cron ${spec.cron ?? ''} (${spec.timezone})`;
}

function row(schedule: StoredSchedule): string[] {
  const next = schedule.paused ? 'paused' : new Date(schedule.nextRunAt).toISOString();
  const last = schedule.lastTickAt === null ? '-' : new Date(schedule.lastTickAt).toISOString();
  return [schedule.name, schedule.spec.task, timing(schedule), `${schedule.spec.overlap}/${schedule.spec.missed}`, next, last];
}

/**
 * `errand schedules`, with its output and backend injectable. Exit codes: 0 done, 1 bad usage,
 * 2 no schedule has that name.
 *
 * @example
 * process.exitCode = await runSchedules(['pause', 'nightly-digest'])
 */
export async function runSchedules(argv: string[], io: CliIo = consoleIo): Promise<number> {
  let action: string | undefined;
  let name: string | undefined;
  let json = false;
  let queueUrl: string | undefined;
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, queue: { type: 'string' } } });
    [action, name] = positionals;
    json = values.json === true;
    queueUrl = values.queue;
    if (!['list', 'pause', 'resume'].includes(action ?? '')) throw new TypeError(action === undefined ? 'missing action' : `unknown action "${action}"`);
    if (action !== 'list' && (name === undefined || name === '')) throw new TypeError(`errand schedules ${action ?? ''} needs a schedule name`);
  } catch (error) {
    io.err(`errand schedules: ${(error as Error).message}\n\n${usage}`);
    return 1;
  }
  try {
    return await withBackend(io, queueUrl, async (backend) => {
      const queue = createQueue({ backend });
      if (action === 'list') {
        const schedules = await queue.listSchedules();
        if (json) io.out(JSON.stringify(schedules, null, 2));
        else io.out(schedules.length === 0 ? 'no schedules (a worker stores the ones it declares when it starts)' : formatTable([['name', 'task', 'timing', 'overlap/missed', 'next run', 'last tick'], ...schedules.map(row)]));
        return 0;
      }
      const target = name ?? '';
      if (action === 'pause') await queue.pauseSchedule(target);
      else await queue.resumeSchedule(target);
      const schedule = (await queue.listSchedules()).find((candidate) => candidate.name === target);
      io.out(action === 'pause' ? `schedule ${target} paused` : `schedule ${target} resumed; next run ${schedule === undefined ? '?' : new Date(schedule.nextRunAt).toISOString()}`);
      return 0;
    });
  } catch (error) {
    if (isErrandError(error, 'ERRAND_SCHEDULE_NOT_FOUND')) {
      io.err(`errand schedules: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

/** `errand schedules list|pause|resume` against the configured backend. */
export const schedulesCommand: CliCommand = {
  summary: 'list, pause or resume schedules, with their next run (--queue url, --json)',
  usage,
  run: (argv) => runSchedules(argv),
};
