/**
 * Command-line flags of `npm run bench`. Defaults give publishable figures on a quiet machine; a
 * smoke run is `npm run bench -- --duration 2 --rounds 1 --warmup 1`.
 */
export interface BenchArgs {
  /** Sections to run (`http`, `tasks`, `jobs-sqlite`, `jobs-redis`, `jobs-postgres`, `fairness`); empty means all. */
  only: string[];
  /** Seconds of measured load per system, route and round. @default 10 */
  duration: number;
  /** Interleaved rounds; medians are taken over them. @default 3 */
  rounds: number;
  /** Seconds of unmeasured load before each measurement, so the JIT has settled. @default 2 */
  warmup: number;
  /** Concurrent connections of the load generator. @default 50 */
  connections: number;
  /** Systems to run in the HTTP sections (e.g. `errand,hono`); empty means all. */
  systems: string[];
  /** Rewrite docs/benchmarks.md with this run's table. @default false */
  updateDocs: boolean;
  /** Force autocannon even when wrk is installed. @default false */
  autocannon: boolean;
  /** One-second windows counted by the rate-limit section (the figure is over 60). @default 60 */
  rateSeconds: number;
}

const usage = `usage: npm run bench -- [--only http,tasks,jobs-sqlite,jobs-redis,jobs-postgres,fairness,schedule-lateness,rate-limit]
  [--systems errand,hono,...] [--duration S] [--rounds N] [--warmup S] [--connections N] [--rate-seconds S] [--autocannon] [--update-docs]`;

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function positive(name: string, value: string | undefined, allowZero = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) throw new Error(`--${name} needs a positive number\n${usage}`);
  return n;
}

/** Parses `argv` (without node and the script); throws with the usage on an unknown flag. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    only: [], duration: 10, rounds: 3, warmup: 2, connections: 50, systems: [], updateDocs: false, autocannon: false, rateSeconds: 60,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2) as [string, string | undefined];
    const value = (): string => inline ?? argv[++i] ?? '';
    switch (flag) {
      case '--only': args.only = list(value()); break;
      case '--systems': args.systems = list(value()); break;
      case '--duration': args.duration = positive('duration', value()); break;
      case '--rounds': args.rounds = Math.round(positive('rounds', value())); break;
      case '--warmup': args.warmup = positive('warmup', value(), true); break;
      case '--connections': args.connections = Math.round(positive('connections', value())); break;
      case '--rate-seconds': args.rateSeconds = Math.round(positive('rate-seconds', value())); break;
      case '--update-docs': args.updateDocs = true; break;
      case '--autocannon': args.autocannon = true; break;
      case '--help': case '-h': console.log(usage); process.exit(0); break;
      default: throw new Error(`unknown flag ${flag}\n${usage}`);
    }
  }
  return args;
}

/** Whether the section named `name` was asked for. */
export function wants(args: BenchArgs, name: string): boolean {
  return args.only.length === 0 || args.only.includes(name);
}
