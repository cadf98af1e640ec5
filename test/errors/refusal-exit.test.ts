import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/refuse-then-exit.ts', import.meta.url));

it('writes the refusal summary still due when the process exits', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture], { timeout: 20_000 });
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines).toEqual([
    expect.objectContaining({ level: 40, code: 'ERRAND_SHUTTING_DOWN', requestId: 'req-0' }),
    expect.objectContaining({ level: 40, code: 'ERRAND_SHUTTING_DOWN', refused: 4 }),
  ]);
});
