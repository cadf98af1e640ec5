import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultLogger } from '../logging/default-logger.js';
import { createBackendFromUrl, defaultQueueUrl } from '../backends/from-url.js';
import { createWorker } from '../jobs/worker.js';
import type { CliCommand } from './main.js';

const usage = `usage: errand worker --tasks <module> [options]

Runs durable jobs until SIGTERM or SIGINT, then finishes or releases the jobs in hand.

options:
  --tasks <module>          module whose exports are tasks made with defineTask (env ERRAND_TASKS)
  --queue <url>             memory:, sqlite:path.db, a file path, redis://host:6379
                            (env ERRAND_QUEUE, default ${defaultQueueUrl})
  --concurrency <n>         jobs running at once per process (default 10)
  --processes <n>           worker processes to run (default 1)
  --lease-ms <n>            lease length; a dead worker's jobs run again after it (default 30000)
  --shutdown-timeout-ms <n> how long a stop waits for running jobs before releasing them (default 10000)`;

/** Parsed `errand worker` options. */
export interface WorkerCommandOptions {
  tasks: string;
  queue: string;
  concurrency: number;
  processes: number;
  leaseMs: number;
  shutdownTimeoutMs: number;
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new RangeError(`--${name} must be a whole number >= 1, got "${value}"`);
  return number;
}

/**
 * Reads `errand worker` arguments (and `ERRAND_TASKS` / `ERRAND_QUEUE`).
 *
 * @example
 * parseWorkerArgs(['--tasks', './tasks.js', '--concurrency', '4'], {})
 */
export function parseWorkerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): WorkerCommandOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      tasks: { type: 'string' },
      queue: { type: 'string' },
      concurrency: { type: 'string' },
      processes: { type: 'string' },
      'lease-ms': { type: 'string' },
      'shutdown-timeout-ms': { type: 'string' },
    },
    strict: true,
  });
  const tasks = values.tasks ?? env.ERRAND_TASKS;
  if (tasks === undefined || tasks === '') throw new TypeError('--tasks is required: the module that exports your tasks (or set ERRAND_TASKS)');
  return {
    tasks,
    queue: values.queue ?? env.ERRAND_QUEUE ?? defaultQueueUrl,
    concurrency: integer('concurrency', values.concurrency, 10),
    processes: integer('processes', values.processes, 1),
    leaseMs: integer('lease-ms', values['lease-ms'], 30_000),
    shutdownTimeoutMs: integer('shutdown-timeout-ms', values['shutdown-timeout-ms'], 10_000),
  };
}

/** Tasks exported by the module, including those in a default export (object or array). */
async function loadTasks(path: string): Promise<Record<string, unknown>> {
  const exports = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  const found = Object.values(exports);
  const fallback = exports.default;
  if (typeof fallback === 'object' && fallback !== null) found.push(...(Object.values(fallback) as unknown[]));
  return Object.fromEntries(found.map((value, index) => [String(index), value]));
}

/**
 * Resolves with what asked this process to stop: SIGTERM or SIGINT, or `'disconnect'` when it was
 * forked by `--processes` and its supervisor is gone (killed with -9, say: no signal is passed
 * on then, and a worker left running would hold jobs that no supervisor will ever stop).
 */
function onceStopped(): Promise<NodeJS.Signals | 'disconnect'> {
  return new Promise((done) => {
    const stop = (reason: NodeJS.Signals | 'disconnect'): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('disconnect', onDisconnect);
      done(reason);
    };
    const onDisconnect = (): void => stop('disconnect');
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    if (process.connected) process.once('disconnect', onDisconnect);
  });
}

async function runOne(options: WorkerCommandOptions): Promise<number> {
  const logger = defaultLogger('errand-worker');
  const backend = await createBackendFromUrl(options.queue);
  const worker = createWorker({ backend, tasks: await loadTasks(options.tasks), concurrency: options.concurrency, leaseMs: options.leaseMs, shutdownTimeoutMs: options.shutdownTimeoutMs, logger }).start();
  logger.info({ workerId: worker.id, queue: backend.name, concurrency: options.concurrency }, 'worker started');
  process.send?.('ready');
  const reason = await onceStopped();
  if (reason === 'disconnect') logger.warn('the supervising process is gone: stopping, finishing or releasing running jobs');
  else logger.info({ signal: reason }, 'stopping: finishing or releasing running jobs');
  await worker.stop({ timeoutMs: options.shutdownTimeoutMs });
  await backend.close();
  logger.info({ workerId: worker.id }, 'worker stopped');
  // A handler that ignored its abort signal may still hold a timer or a socket; its job was
  // released above, so nothing is lost by not waiting for it. Exit once the logs had a moment to
  // flush, unless the process ends by itself first (the timer does not keep it alive).
  setTimeout(() => process.exit(0), 1_000).unref();
  return 0;
}

/** Runs `processes` children, restarts one that dies unexpectedly, and passes SIGTERM/SIGINT on to all. */
async function supervise(options: WorkerCommandOptions, argv: string[]): Promise<number> {
  const script = process.argv[1];
  if (script === undefined) throw new Error('cannot find the errand script to fork');
  const childArgs = ['worker', ...argv.filter((arg, index) => arg !== '--processes' && argv[index - 1] !== '--processes' && !arg.startsWith('--processes=')), '--processes', '1'];
  const children = new Set<ChildProcess>();
  let stopping = false;
  let exitCode = 0;
  const start = (): void => {
    const child = fork(script, childArgs, { execArgv: process.execArgv, stdio: 'inherit' });
    children.add(child);
    child.once('exit', (code) => {
      children.delete(child);
      if (code !== 0) exitCode = Math.max(exitCode, code ?? 1);
      if (!stopping) setTimeout(start, 500).unref();
    });
  };
  for (let index = 0; index < options.processes; index += 1) start();
  const reason = await onceStopped();
  const signal = reason === 'disconnect' ? 'SIGTERM' : reason;
  stopping = true;
  const exits = [...children].map((child) => new Promise((done) => child.once('exit', done)));
  for (const child of children) child.kill(signal);
  await Promise.all(exits);
  return exitCode;
}

/** `errand worker`: runs durable jobs, in this process or in N supervised child processes. */
export const workerCommand: CliCommand = {
  summary: 'run durable jobs (--tasks module, --queue url, --concurrency n, --processes n)',
  usage,
  async run(argv) {
    let options: WorkerCommandOptions;
    try {
      options = parseWorkerArgs(argv);
    } catch (error) {
      console.error(`errand worker: ${(error as Error).message}\n\n${usage}`);
      return 2;
    }
    return options.processes > 1 ? supervise(options, argv) : runOne(options);
  },
};
