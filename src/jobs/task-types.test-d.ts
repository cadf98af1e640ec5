/**
 * What must compile and what must not at the call sites of a defined task: the schema alone
 * decides the payload type (its input: defaulted fields optional), errors point at the payload,
 * no `as const` is needed, and results are typed from the handler. Checked by `npm run typecheck`
 * and by vitest's typecheck (`npm test`); nothing here runs.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { BackgroundTasks } from '../tasks/background-tasks.js';
import { defineTask } from './define-task.js';
import type { JobRecord } from './job.js';
import type { Queue } from './queue.js';
import type { JobId, TaskInput, TaskResult } from './task-definition.js';

declare const queue: Queue;
declare const background: BackgroundTasks;

const signup = defineTask('signup', {
  schema: z.object({ userId: z.string(), fail: z.enum(['never', 'always']), lang: z.enum(['en', 'fr']).default('en') }),
  handler: (payload) => {
    expectTypeOf(payload).toEqualTypeOf<{ userId: string; fail: 'never' | 'always'; lang: 'en' | 'fr' }>();
    return { welcomed: payload.userId };
  },
});
const resize = defineTask('resize', {
  schema: z.object({ url: z.string(), width: z.number().default(640) }),
  handler: async ({ url, width }) => Promise.resolve({ url, width }),
});
const untyped = defineTask('untyped', { handler: (payload: { n: number }) => payload.n * 2 });

describe('defined task payloads', () => {
  it('are the schema input: literals without as const, defaulted fields optional', () => {
    expectTypeOf<TaskInput<typeof signup>>().toEqualTypeOf<{ userId: string; fail: 'never' | 'always'; lang?: 'en' | 'fr' | undefined }>();
    expectTypeOf<TaskInput<typeof untyped>>().toEqualTypeOf<{ n: number }>();
    void queue.enqueue(signup, { userId: 'x', fail: 'never' });
    void queue.enqueue(signup, { userId: 'x', fail: 'always', lang: 'fr' }, { delay: 1000 });
    void queue.enqueue(resize, { url: '/a.png' });
    void queue.enqueue(untyped, { n: 1 });
  });

  it('are checked at enqueue, with the error on the payload', () => {
    void queue.enqueue(
      signup,
      // @ts-expect-error: 'sometimes' is not one of the enum's values
      { userId: 'x', fail: 'sometimes' },
    );
    void queue.enqueue(
      resize,
      // @ts-expect-error: url is required
      { width: 10 },
    );
    void queue.enqueue(
      untyped,
      // @ts-expect-error: n is a number
      { n: '1' },
    );
  });

  it('are checked by enqueueMany per item, for items of different tasks, without as const', () => {
    const ids = queue.enqueueMany([
      { task: signup, payload: { userId: 'x', fail: 'never' } },
      { task: resize, payload: { url: '/a.png' }, options: { priority: 1 } },
    ]);
    expectTypeOf(ids).resolves.toEqualTypeOf<[JobId<{ welcomed: string }>, JobId<{ url: string; width: number }>]>();
    void queue.enqueueMany([
      { task: signup, payload: { userId: 'x', fail: 'never' } },
      // @ts-expect-error: the resize payload needs url
      { task: resize, payload: { width: 1 } },
    ]);
  });

  it('lets enqueueMany take the app\'s transaction for the whole call, keeping the ids typed', () => {
    const tx = { query: () => undefined };
    const ids = queue.enqueueMany([{ task: signup, payload: { userId: 'x', fail: 'never' } }], { tx });
    expectTypeOf(ids).resolves.toEqualTypeOf<[JobId<{ welcomed: string }>]>();
    // @ts-expect-error: a transaction is an object
    void queue.enqueueMany([{ task: signup, payload: { userId: 'x', fail: 'never' } }], { tx: 1 });
  });

  it('are checked by background.add, run here or durably', () => {
    background.add(signup, { userId: 'x', fail: 'never' });
    background.add(signup, { userId: 'x', fail: 'never' }, { durable: true });
    background.add(resize, { url: '/a.png' }, { durable: true, enqueue: { delay: 5 } });
    background.add(
      signup,
      // @ts-expect-error: userId is required
      { fail: 'never' },
      { durable: true },
    );
    background.add(
      signup,
      // @ts-expect-error: 'sometimes' is not one of the enum's values
      { userId: 'x', fail: 'sometimes' },
    );
  });

  it('still lets background.add take plain functions and their arguments', () => {
    background.add((to: string, times: number) => `${to}${times}`, 'ada', 2);
    background.add({ when: 'always' }, (to: string) => to, 'ada');
    // @ts-expect-error: the argument must be a string
    background.add({ when: 'always' }, (to: string) => to, 42);
    // @ts-expect-error: the second argument must be a number
    background.add((to: string, times: number) => `${to}${times}`, 'ada', 'two');
  });
});

describe('job results', () => {
  it('are typed from the handler when the job is read with the id enqueue returned', async () => {
    const id = await queue.enqueue(resize, { url: '/a.png' });
    expectTypeOf<TaskResult<typeof resize>>().toEqualTypeOf<{ url: string; width: number }>();
    const job = await queue.get(id);
    expectTypeOf(job).toEqualTypeOf<JobRecord<{ url: string; width: number }> | undefined>();
    expectTypeOf(job?.result).toEqualTypeOf<{ url: string; width: number } | undefined>();
    // An id is still a string, and any string reads an untyped record.
    expectTypeOf(id).toExtend<string>();
    expectTypeOf(await queue.get('some-id')).toEqualTypeOf<JobRecord | undefined>();
  });
});
