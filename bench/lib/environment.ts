import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { findFastApi } from './python.js';

/** The machine a run happened on; figures mean little without it. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  /** 1-minute load average when the run started: high means other work shared the cores. */
  loadAverageAtStart: number;
}

/** Versions of everything measured or measuring. */
export type Versions = Record<string, string>;

/** CPU model from /proc/cpuinfo (Linux), else os.cpus(). */
function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // Not Linux: fall through.
  }
  return 'unknown';
}

export function machine(): Machine {
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Node, the Node frameworks, errand's commit, and the FastAPI stack when installed. */
export function versions(loadGenerator: string): Versions {
  const require = createRequire(import.meta.url);
  // Read from node_modules, not through `require('<name>/package.json')`: packages whose `exports`
  // omit ./package.json (hono, @hono/node-server) refuse that and were reported as not installed.
  const pkg = (name: string): string => {
    try {
      const dir = (require.resolve.paths(name) ?? []).find((base) => existsSync(join(base, name, 'package.json')));
      if (dir === undefined) return 'not installed';
      return (JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--', 'src']) !== '' ? ' (+ uncommitted changes in src/)' : '';
  const out: Versions = {
    node: process.version,
    errand: commit ? `${commit}${dirty}` : 'unknown',
    hono: pkg('hono'),
    '@hono/node-server': pkg('@hono/node-server'),
    fastify: pkg('fastify'),
    express: pkg('express'),
    'better-sqlite3': pkg('better-sqlite3'),
    bullmq: pkg('bullmq'),
    plainjob: pkg('plainjob'),
    'load generator': loadGenerator,
  };
  const py = findFastApi();
  if (py) {
    out.python = py.pythonVersion;
    out.fastapi = py.fastapi;
    out.uvicorn = `${py.uvicorn} (${py.loop} + ${py.http})`;
    out.pydantic = py.pydantic;
  } else {
    out.fastapi = 'not installed';
  }
  return out;
}
