import { describe, expect, it } from 'vitest';
import { LinkedSet, type Linkable } from './linked-set.js';

interface Node extends Linkable<Node> {
  id: number;
}

const node = (id: number): Node => ({ id, linked: false, previous: undefined, following: undefined });
const ids = (set: LinkedSet<Node>): number[] => set.toArray().map((n) => n.id);

describe('LinkedSet', () => {
  it('keeps members in the order added and counts them, each once', () => {
    const set = new LinkedSet<Node>();
    const [a, b, c] = [node(1), node(2), node(3)];
    expect([set.add(a), set.add(b), set.add(c), set.add(b)]).toEqual([true, true, true, false]);
    expect(ids(set)).toEqual([1, 2, 3]);
    expect(set.size).toBe(3);
  });

  it('deletes from the middle, the front and the back, and re-adds at the end', () => {
    const set = new LinkedSet<Node>();
    const nodes = [1, 2, 3, 4].map(node);
    for (const n of nodes) set.add(n);
    expect(set.delete(nodes[1])).toBe(true);
    expect(set.delete(nodes[1])).toBe(false);
    expect(ids(set)).toEqual([1, 3, 4]);
    set.delete(nodes[0]);
    set.delete(nodes[3]);
    expect(ids(set)).toEqual([3]);
    set.add(nodes[0]);
    expect(ids(set)).toEqual([3, 1]);
    set.delete(nodes[2]);
    set.delete(nodes[0]);
    expect([set.size, ids(set)]).toEqual([0, []]);
    expect(nodes.every((n) => !n.linked && n.previous === undefined && n.following === undefined)).toBe(true);
  });

  it('gives a copy that stays whole while members are deleted', () => {
    const set = new LinkedSet<Node>();
    const nodes = [1, 2, 3].map(node);
    for (const n of nodes) set.add(n);
    const seen: number[] = [];
    for (const n of set.toArray()) {
      seen.push(n.id);
      set.delete(n);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(set.size).toBe(0);
  });
});
