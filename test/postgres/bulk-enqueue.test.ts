import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresBackend } from '../../src/backends/postgres/index.js';
import type { JobBackend } from '../../src/jobs/backend.js';
import { defineTask } from '../../src/jobs/define-task.js';
import { createQueue, type Queue } from '../../src/jobs/queue.js';
import { dropPostgresSchema, postgresAvailable, testPostgresUrl, uniquePostgresSchema } from '../../src/testing/postgres.js';

/** Bulk enqueue on Postgres sends each column as one array literal: every value must come back as written. */
const postgresUp = await postgresAvailable();
const schema = uniquePostgresSchema('bulk');
const echo = defineTask('echo "quoted" \\ task', { handler: (payload: unknown) => payload });
let backend: JobBackend;
let queue: Queue;

beforeAll(() => {
  if (!postgresUp) return;
  backend = createPostgresBackend({ connectionString: testPostgresUrl, schema });
  queue = createQueue({ backend });
});

afterAll(async () => {
  if (!postgresUp) return;
  await backend.close();
  await dropPostgresSchema(schema);
});

describe.skipIf(!postgresUp)('bulk enqueue (postgres)', () => {
  it('stores payloads, task names and keys with quotes, backslashes, braces, commas, NULL-looking text and non-ASCII as given', async () => {
    const payloads: unknown[] = [
      { text: 'say "hi"\\n', braces: '{a,b}', list: [1, 'x,y', null] },
      'NULL',
      '',
      null,
      { nested: { emoji: '🙂', accents: 'é à', backslashes: '\\\\' } },
      42.5,
    ];
    const ids = await queue.enqueueMany(payloads.map((payload, index) => ({ task: echo, payload, options: index === 1 ? { key: 'k "1", \\ {x}' } : {} })));
    const stored = await Promise.all(ids.map((id) => backend.get(id)));
    expect(stored.map((job) => job?.payload)).toEqual(payloads);
    expect(stored.map((job) => job?.task)).toEqual(payloads.map(() => echo.name));
    expect(await queue.enqueue(echo, 'again', { key: 'k "1", \\ {x}' })).toBe(ids[1]);
  });
});
