import { describe, expect, it } from 'vitest';
import { fairGroupId, pickFair, type FairCandidate } from './fair-order.js';

function candidates(group: string, count: number, priority = 0, task = 't'): FairCandidate[] {
  return Array.from({ length: count }, (_, n) => ({ task, group, priority, runAt: n, seq: n }));
}

describe('pickFair', () => {
  it('takes the n-th job of every group before the (n+1)-th of any, least recently served group first', () => {
    const served = new Map([[fairGroupId('t', 'a'), 7], [fairGroupId('t', 'b'), 3]]);
    const pick = pickFair([...candidates('a', 3), ...candidates('b', 3)], (id) => ({ served: served.get(id) }), 5, 10);
    expect(pick.taken.map((job) => `${job.group}${job.seq}`)).toEqual(['b0', 'a0', 'b1', 'a1', 'b2']);
    // Stamps follow each group's last job in the claim: a was served before b's last.
    expect(pick.served.map(({ group, stamp }) => [group, stamp])).toEqual([['a', 10], ['b', 11]]);
  });

  it('puts never-served groups first', () => {
    const pick = pickFair([...candidates('a', 2), ...candidates('new', 2)], (id) => (id === fairGroupId('t', 'a') ? { served: 0 } : undefined), 1, 1);
    expect(pick.taken.map((job) => job.group)).toEqual(['new']);
  });

  it('lets priority win over turns, and counts turns per priority', () => {
    const pick = pickFair([...candidates('a', 2, 0), ...candidates('a', 2, 3), ...candidates('b', 2, 3)], () => undefined, 6, 0);
    expect(pick.taken.map((job) => `${job.group}${job.priority}`)).toEqual(['a0', 'a0', 'a3', 'b3', 'a3', 'b3']);
  });

  it('gives at most a group\'s room, and nothing to a full group', () => {
    const room = (id: string): { room: number } => ({ room: id === fairGroupId('t', 'a') ? 0 : 1 });
    const pick = pickFair([...candidates('a', 3), ...candidates('b', 3)], room, 10, 0);
    expect(pick.taken.map((job) => job.group)).toEqual(['b']);
    expect(pick.served.map(({ id }) => id)).toEqual([fairGroupId('t', 'b')]);
  });

  it('keeps a group of one task apart from the same group name of another task', () => {
    const pick = pickFair([...candidates('x', 2, 0, 't'), ...candidates('x', 2, 0, 'u')], () => ({ room: 1 }), 10, 0);
    expect(pick.taken.map((job) => job.task).sort()).toEqual(['t', 'u']);
  });
  it("takes a group's jobs in queue order (priority, then due time, then insertion), whatever order they come in", () => {
    const job = (priority: number, runAt: number, seq: number): FairCandidate => ({ task: 't', group: 'g', priority, runAt, seq });
    const jobs = [job(1, 0, 0), job(0, 5, 1), job(0, 2, 3), job(0, 2, 2)];
    expect(pickFair(jobs, () => undefined, 10, 0).taken.map((taken) => taken.seq)).toEqual([2, 3, 1, 0]);
    // A group's room takes its first jobs in that order, not the first ones listed.
    expect(pickFair(jobs, () => ({ room: 3 }), 10, 0).taken.map((taken) => taken.seq)).toEqual([2, 3, 1]);
  });

  it('breaks a tie between groups by group id, not by which has the earlier job', () => {
    const job = (group: string, runAt: number): FairCandidate => ({ task: 't', group, priority: 0, runAt, seq: runAt });
    for (const listed of [[job('b', 1), job('a', 2)], [job('a', 2), job('b', 1)]]) {
      expect(pickFair(listed, () => undefined, 2, 0).taken.map((taken) => taken.group)).toEqual(['a', 'b']);
      expect(pickFair(listed, () => ({ served: 4 }), 1, 0).taken.map((taken) => taken.group)).toEqual(['a']);
    }
  });
});
