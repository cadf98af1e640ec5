/**
 * What `dedupe` accepts at an enqueue call site: the three named modes and a debounce with its
 * times; anything else is a compile error. Checked by `npm run typecheck` and vitest's typecheck.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { DedupeOption } from './dedupe.js';
import type { EnqueueOptions } from './task-definition.js';

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
