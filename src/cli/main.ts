#!/usr/bin/env node
/**
 * The `errand` command line: a thin table of commands over library functions. To add a command,
 * write `src/cli/<name>-command.ts` exporting a {@link CliCommand} and add one line to `commands`.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliMistake } from './cli-mistake.js';
import { jobsCommand } from './jobs-command.js';
import { migrateCommand } from './migrate-command.js';
import { schedulesCommand } from './schedules-command.js';
import { statsCommand } from './stats-command.js';
import { workerCommand } from './worker-command.js';

/** One `errand <name>` command. */
export interface CliCommand {
  /** One line shown by `errand help`. */
  summary: string;
  /** Usage text shown by `errand <name> --help` and on bad arguments. */
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Every command, by name. One line per command. */
export const commands: Record<string, CliCommand> = {
  worker: workerCommand,
  jobs: jobsCommand,
  stats: statsCommand,
  schedules: schedulesCommand,
  migrate: migrateCommand,
};

function help(): string {
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`);
  return ['usage: errand <command> [options]', '', 'commands:', ...lines, '', 'Run `errand <command> --help` for its options.'].join('\n');
}

/**
 * Runs `errand` with `argv` (the arguments after the program name) and resolves to the exit code.
 *
 * @example
 * process.exitCode = await main(['worker', '--concurrency', '4'])
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`errand: unknown command "${name}"\n\n${help()}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    // An ordinary mistake (a wrong path, a missing driver, no queue here) gets one line saying what
    // to do and exit code 2; anything else is a bug and keeps its stack.
    const mistake = cliMistake(error);
    if (mistake === undefined) throw error;
    console.error(`errand ${name}: ${mistake}`);
    return 2;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // A command that failed may have opened a connection (Redis) that would keep the process alive.
      if (code === 2) process.exit(code);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
