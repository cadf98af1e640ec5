import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Runs the ES module app under plain Node (no TypeScript loader, which would change how modules load) and answers its server span count. */
async function serverSpans(nodeArgs: string[], env: Record<string, string> = {}): Promise<number> {
  const { stdout } = await run(process.execPath, [...nodeArgs, 'esm-server.mjs'], { cwd: fixtures, env: { ...process.env, NODE_OPTIONS: '', ...env }, timeout: 60_000 });
  return (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { serverSpans: number }).serverSpans;
}

// What docs/tracing.md says about ES module apps, with the packages installed here.
describe('the http instrumentation in an ES module app', () => {
  it('makes no request span when the SDK is only loaded first with --import', async () => {
    expect(await serverSpans(['--import', './esm-tracing.mjs'])).toBe(0);
  }, 60_000);

  it('makes the request span once node:http is required after the instrumentations are registered', async () => {
    expect(await serverSpans(['--import', './esm-tracing.mjs'], { ERRAND_REQUIRE_HTTP: '1' })).toBe(1);
  }, 60_000);

  it('makes the request span with the ESM hook registered by an --import file', async () => {
    expect(await serverSpans(['--import', './esm-register.mjs'])).toBe(1);
  }, 60_000);
});
