import { describe, expect, it } from 'vitest';
import { defineTask } from './define-task.js';
import { groupOf } from './group-of.js';

describe('task groups (fair queues)', () => {
  it('gives a job the group its task computes from the payload, and none for an ungrouped task', () => {
    const grouped = defineTask<{ tenant: string }>('g', { group: { key: ({ tenant }) => tenant }, handler: () => undefined });
    expect(groupOf(grouped, { tenant: 'acme' })).toBe('acme');
    expect(groupOf(defineTask('plain', { handler: () => undefined }), { tenant: 'acme' })).toBeUndefined();
  });

  it('refuses a key that does not answer a string', () => {
    const task = defineTask<{ tenant: number }>('g', { group: { key: ({ tenant }) => tenant as unknown as string }, handler: () => undefined });
    expect(() => groupOf(task, { tenant: 7 })).toThrow(/group.key must return a string/);
  });

  it('refuses nonsense group options at definition time', () => {
    const key = (): string => 'k';
    expect(() => defineTask('t', { handler: () => 1, group: { key: 'tenant' as unknown as () => string } })).toThrow(TypeError);
    expect(() => defineTask('t', { handler: () => 1, group: { key, concurrency: 0 } })).toThrow(RangeError);
    expect(() => defineTask('t', { handler: () => 1, group: { key, concurrency: 1.5 } })).toThrow(RangeError);
    expect(() => defineTask('t', { handler: () => 1, group: { key, concurrency: 1 } })).not.toThrow();
    expect(() => defineTask('t', { handler: () => 1, group: { key, concurrency: Infinity } })).not.toThrow();
  });
});
