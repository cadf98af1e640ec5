/**
 * Vitest global setup: compiles the TypeScript the multi-process tests run in child processes
 * (src/, test/crash/, test/security/, test/support/) to plain ES modules once per `vitest run`, with esbuild (the
 * transform tsx applies to each file when it loads it), into a temporary directory under
 * node_modules/.cache, where packages resolve from the project's node_modules. The crash and rate
 * limit tests then start `node <fixture>.js` instead of `node --import tsx <fixture>.ts`: the same
 * code, without tsx's loader in each process and in its liveness thread. A crash run boots a
 * replacement process per kill: 0.21 s of CPU per boot instead of 0.70 s, and ready in half the
 * time. The directory is handed to the test processes as ERRAND_COMPILED_TESTS (they inherit this
 * process's environment); test/support/fixture-command.ts falls back to tsx without it. Job workers
 * started inside the test processes take their liveness thread from it too (src/jobs/worker-liveness.ts):
 * that thread otherwise loads tsx and esbuild on its own, over a second of CPU per worker started.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';
import type { TestProject } from 'vitest/node';

const root = fileURLToPath(new URL('../..', import.meta.url));
const folders = ['src', 'test/crash', 'test/security', 'test/support'];

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(path) ? [path] : [];
  });
}

export default async function compileFixtures(project: TestProject): Promise<(() => void) | undefined> {
  // In watch mode the sources change under a running vitest, and a copy compiled at its start would
  // go stale: the fixtures keep tsx there, which reads them afresh in each process.
  if (project.config.watch) return undefined;
  // tsx's own esbuild: the transform it applies, and no dependency of our own to keep in step.
  const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild') as typeof Esbuild;
  mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
  const outdir = mkdtempSync(join(root, 'node_modules/.cache/errand-compiled-tests-'));
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: folders.flatMap(sources),
    outdir,
    outbase: '.',
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node}`,
    logLevel: 'warning',
  });
  process.env.ERRAND_COMPILED_TESTS = outdir;
  return () => rmSync(outdir, { recursive: true, force: true });
}
