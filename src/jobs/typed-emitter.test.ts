import { describe, expect, it } from 'vitest';
import { TypedEmitter } from './typed-emitter.js';

interface Events {
  'job:done': { id: string };
  'job:lost': { id: string };
}

describe('TypedEmitter', () => {
  it('calls every listener of an event in order, and only of that event', () => {
    const emitter = new TypedEmitter<Events>(() => undefined);
    const seen: string[] = [];
    emitter.on('job:done', ({ id }) => seen.push(`first ${id}`));
    emitter.on('job:done', ({ id }) => seen.push(`second ${id}`));
    emitter.on('job:lost', ({ id }) => seen.push(`lost ${id}`));
    emitter.emit('job:done', { id: 'a' });
    expect(seen).toEqual(['first a', 'second a']);
  });

  it('says whether anyone listens, and stops calling a listener once it unsubscribed', () => {
    const emitter = new TypedEmitter<Events>(() => undefined);
    expect(emitter.has('job:done')).toBe(false);
    const seen: string[] = [];
    const off = emitter.on('job:done', ({ id }) => seen.push(id));
    expect(emitter.has('job:done')).toBe(true);
    expect(emitter.has('job:lost')).toBe(false);
    emitter.emit('job:done', { id: 'a' });
    off();
    expect(emitter.has('job:done')).toBe(false);
    emitter.emit('job:done', { id: 'b' });
    emitter.emit('job:lost', { id: 'c' });
    expect(seen).toEqual(['a']);
  });

  it('reports a listener that throws, with the event, and still calls the next listener', () => {
    const reported: unknown[] = [];
    const emitter = new TypedEmitter<Events>((error, event) => reported.push([(error as Error).message, event]));
    const seen: string[] = [];
    emitter.on('job:done', () => {
      throw new Error('listener bug');
    });
    emitter.on('job:done', ({ id }) => seen.push(id));
    emitter.emit('job:done', { id: 'a' });
    expect(reported).toEqual([['listener bug', 'job:done']]);
    expect(seen).toEqual(['a']);
  });
});
