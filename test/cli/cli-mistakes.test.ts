/**
 * Ordinary mistakes on the `errand` command line get one line saying what to do and exit code 2,
 * never a stack trace: run as a real process in a directory of its own.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cliMistake } from '../../src/cli/cli-mistake.js';

const root = resolve(import.meta.dirname, '../..');
const main = join(root, 'src/cli/main.ts');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'errand-cli-mistake-'));
  dirs.push(dir);
  return dir;
}

// The default queue (./data/errand.db), whatever the environment running the tests says.
function withoutQueue(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.ERRAND_QUEUE;
  return env;
}

async function errand(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    // tsx's own CLI: `--import tsx` would be resolved from the empty directory.
    await promisify(execFile)(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), main, ...args], { cwd, env: withoutQueue(), timeout: 30_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

/** The error plain Node (no TypeScript loader) raises for `import(specifier)`. */
async function nodeImportError(cwd: string, specifier: string): Promise<Error> {
  const script = `import(${JSON.stringify(specifier)}).catch((e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd, timeout: 30_000 });
  const { code, message } = JSON.parse(stdout) as { code: string; message: string };
  return Object.assign(new Error(message), { code });
}

function oneLine(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('errand on ordinary mistakes', () => {
  it('errand stats where there is no ./data: one line naming --queue and ERRAND_QUEUE, exit 2', async () => {
    const { code, stderr } = await errand(emptyDir(), ['stats']);
    expect(code).toBe(2);
    oneLine(stderr);
    expect(stderr).toMatch(/--queue.*ERRAND_QUEUE/);
  });

  it('errand worker --tasks ./dist/nope.js: one line naming the path, exit 2', async () => {
    const dir = emptyDir();
    mkdirSync(join(dir, 'data'));
    const { code, stderr } = await errand(dir, ['worker', '--tasks', './dist/nope.js']);
    expect(code).toBe(2);
    oneLine(stderr);
    expect(stderr).toMatch(/nope\.js.*--tasks/);
  });

  it('names the fix for a TypeScript tasks file without a loader and for a missing queue driver', async () => {
    const dir = emptyDir();
    // An enum needs compiling: plain Node refuses it whether it strips types (22.18+) or not (20).
    writeFileSync(join(dir, 'tasks.ts'), 'export enum Kind { A }\nexport const x: number = Kind.A;\n');
    expect(cliMistake(await nodeImportError(dir, './tasks.ts'))).toMatch(/tsx/);
    expect(cliMistake(await nodeImportError(dir, 'bullmq'))).toMatch(/npm install bullmq ioredis/);
    expect(cliMistake(new Error('a real bug'))).toBeUndefined();
  });
});
