import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { progress } from './interleave.js';

/*
 * The Node servers under test run from tsc output, not through tsx: users run tsc output
 * (`npm run build`), tsx transpiles with esbuild's keepNames (every function created at run time
 * gets a name-setting call; about 5–10% more CPU per request for errand on a smoke run), and
 * profiles of tsc output have real line numbers. Every Node system is compiled alike.
 */

const config = fileURLToPath(new URL('../tsconfig.servers.json', import.meta.url));
const outDir = fileURLToPath(new URL('../results/build/', import.meta.url));

let built: { ok: true } | { ok: false; reason: string } | undefined;

function build(): { ok: true } | { ok: false; reason: string } {
  // For experiments on the compiled output (profile.ts with a hand-patched file): keep it.
  if (process.env.ERRAND_BENCH_REUSE_BUILD === '1' && existsSync(outDir)) return { ok: true };
  progress('compiling the bench servers with tsc (bench/tsconfig.servers.json)');
  rmSync(outDir, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // Type errors elsewhere in a tree under construction do not stop tsc from emitting.
  const result = spawnSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8' });
  if (result.error) return { ok: false, reason: result.error.message };
  if (result.status !== 0) progress(`tsc reported type errors (emitted anyway):\n${result.stdout.slice(0, 2000)}`);
  return { ok: true };
}

/** The compiled JS of bench/http/servers/<name>.ts, building once per run; or why it is missing. */
export function compiledServer(name: string): { file: string } | { missing: string } {
  built ??= build();
  if (!built.ok) return { missing: `tsc could not run: ${built.reason}` };
  const file = `${outDir}bench/http/servers/${name}.js`;
  return existsSync(file) ? { file } : { missing: `tsc emitted no ${name}.js (see the type errors above)` };
}
