/**
 * What `dedupe` accepts at an enqueue call site: the three named modes and a debounce with its
 * times; anything else is a compile error. The same for a task's dedupe default, and what
 * enqueueWithOutcome and enqueueManyWithOutcome answer. Checked by `npm run typecheck` and vitest's typecheck.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { DedupeOption } from './dedupe.js';
import { defineTask } from './define-task.js';
import type { Enqueued, Queue } from './queue.js';
import type { EnqueueOptions, JobId, TaskOptions } from './task-definition.js';

describe('EnqueueOptions.dedupe', () => {
  it('takes a named mode or a debounce with delayMs and an optional maxDelayMs', () => {
    expectTypeOf<EnqueueOptions['dedupe']>().toEqualTypeOf<DedupeOption | undefined>();
    const modes: EnqueueOptions[] = [
      { key: 'k', dedupe: 'active' },
      { key: 'k', dedupe: 'queued' },
      { key: 'k', dedupe: 'replace' },
      { key: 'k', dedupe: { debounce: { delayMs: 500 } } },
      { key: 'k', dedupe: { debounce: { delayMs: 500, maxDelayMs: 5_000 } } },
    ];
    expectTypeOf(modes).toEqualTypeOf<EnqueueOptions[]>();
  });

  it('refuses other modes and a debounce without delayMs', () => {
    // @ts-expect-error not a mode
    const unknownMode: EnqueueOptions = { key: 'k', dedupe: 'latest' };
    // @ts-expect-error delayMs is required
    const noDelay: EnqueueOptions = { key: 'k', dedupe: { debounce: { maxDelayMs: 5_000 } } };
    // @ts-expect-error debounce takes an object of times, not a number
    const bare: EnqueueOptions = { key: 'k', dedupe: { debounce: 500 } };
    expectTypeOf([unknownMode, noDelay, bare]).toEqualTypeOf<EnqueueOptions[]>();
  });
});

describe('the dedupe default of defineTask', () => {
  it('takes the same modes as an enqueue, and nothing else', () => {
    expectTypeOf<TaskOptions<unknown, unknown>['dedupe']>().toEqualTypeOf<DedupeOption | undefined>();
    defineTask('replacing', { dedupe: 'replace', handler: () => undefined });
    defineTask('debounced', { dedupe: { debounce: { delayMs: 500, maxDelayMs: 5_000 } }, handler: () => undefined });
    // @ts-expect-error not a mode
    defineTask('latest', { dedupe: 'latest', handler: () => undefined });
  });
});

describe('queue.enqueueWithOutcome', () => {
  it("answers the job's id, typed by the handler's result, and one of four outcomes", () => {
    const queue = {} as Queue;
    const report = defineTask('report', { handler: (payload: { day: string }) => ({ rows: payload.day.length }) });
    expectTypeOf(queue.enqueueWithOutcome(report, { day: 'mon' }, { key: 'k' })).resolves.toEqualTypeOf<Enqueued<{ rows: number }>>();
    expectTypeOf<Enqueued['outcome']>().toEqualTypeOf<'stored' | 'dropped' | 'replaced' | 'debounced'>();
    expectTypeOf<Enqueued<{ rows: number }>['id']>().toEqualTypeOf<JobId<{ rows: number }>>();
    // @ts-expect-error the payload is checked as for enqueue
    void queue.enqueueWithOutcome(report, { day: 1 });
  });
});

describe('queue.enqueueManyWithOutcome', () => {
  it('answers one Enqueued per item, in order, each id typed by its own task', () => {
    const queue = {} as Queue;
    const report = defineTask('report', { handler: (payload: { day: string }) => ({ rows: payload.day.length }) });
    const ping = defineTask('ping', { handler: (payload: { n: number }) => payload.n });
    const answers = queue.enqueueManyWithOutcome([
      { task: report, payload: { day: 'mon' }, options: { key: 'k', dedupe: 'queued' } },
      { task: ping, payload: { n: 1 } },
    ]);
    expectTypeOf(answers).resolves.toEqualTypeOf<[Enqueued<{ rows: number }>, Enqueued<number>]>();
    // @ts-expect-error each payload is checked against its own task
    void queue.enqueueManyWithOutcome([{ task: ping, payload: { day: 'mon' } }]);
  });
});
