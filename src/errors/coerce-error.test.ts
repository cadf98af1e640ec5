import { describe, expect, it } from 'vitest';
import { coerceError, NonErrorThrown } from './coerce-error.js';

describe('coerceError', () => {
  it('passes errors through untouched, AggregateError included', () => {
    const error = new TypeError('boom');
    expect(coerceError(error)).toBe(error);
    const aggregate = new AggregateError([new Error('a'), 'b'], 'several');
    expect(coerceError(aggregate)).toBe(aggregate);
  });

  it.each([
    ['a string', 'nope', 'nope'],
    ['undefined', undefined, 'undefined was thrown'],
    ['null', null, 'null was thrown'],
    ['a plain object with a message', { message: 'from object' }, 'from object'],
    ['a plain object', { status: 418 }, 'a non-error object was thrown: {"status":418}'],
    ['a number', 42, 'number was thrown: 42'],
  ])('wraps %s and keeps the original value', (_label, thrown, message) => {
    const error = coerceError(thrown);
    expect(error).toBeInstanceOf(NonErrorThrown);
    expect(error.message).toBe(message);
    expect((error as NonErrorThrown).thrown).toBe(thrown);
  });

  it('survives objects that cannot be stringified', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(coerceError(cyclic).message).toBe('a non-error object was thrown');
  });

  it('passes a DOMException (an abort reason) through as the error it is', () => {
    const abort = new DOMException('The operation was aborted.', 'AbortError');
    expect(coerceError(abort)).toBe(abort);
  });
});
