/** A ready job a fair claim may take: its group and its place in queue order. */
export interface FairCandidate {
  task: string;
  /** The job's group; jobs of one task and one group share a turn. */
  group: string;
  priority: number;
  runAt: number;
  /** Insertion order, the last tie-breaker. */
  seq: number;
}

/** What a backend knows about one group when it picks: when it was last served and how many more of its jobs may start. */
export interface FairGroupState {
  /** Stamp of the group's last claim (higher is more recent); groups never served have none. */
  served?: number;
  /** How many more of the group's jobs may run now (its concurrency minus its running jobs). @default Infinity */
  room?: number;
}

/** The candidates a claim takes, in the order taken, and the stamps the groups they came from get. */
export interface FairPick<Candidate extends FairCandidate> {
  taken: Candidate[];
  /** The groups that got a job and their new `served` stamps, in stamp order. */
  served: { id: string; task: string; group: string; stamp: number }[];
}

/** One key for a task's group: `<task>\u0000<group>` (a NUL cannot appear in either by accident). */
export function fairGroupId(task: string, group: string): string {
  return `${task}\u0000${group}`;
}

function byQueueOrder(a: FairCandidate, b: FairCandidate): number {
  return a.priority - b.priority || a.runAt - b.runAt || a.seq - b.seq;
}

/**
 * Picks up to `limit` candidates fairly. Priority wins first (a more urgent job is taken before a
 * less urgent one, whatever its group); among jobs of the same priority the groups take turns: the
 * n-th job of every group before the (n+1)-th of any, and within a turn the group served least
 * recently (never served: first) goes first. A group gives at most its `room` jobs. Within a group,
 * jobs keep queue order (priority, due time, insertion). `stamp` is the first `served` stamp to hand
 * out (above every stamp stored so far): the groups served by this claim get `stamp`, `stamp + 1`, …
 * in the order they were served last in it.
 */
export function pickFair<Candidate extends FairCandidate>(candidates: readonly Candidate[], groups: (id: string, task: string, group: string) => FairGroupState | undefined, limit: number, stamp: number): FairPick<Candidate> {
  const byGroup = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const id = fairGroupId(candidate.task, candidate.group);
    const list = byGroup.get(id);
    if (list === undefined) byGroup.set(id, [candidate]);
    else list.push(candidate);
  }
  const ranked: { candidate: Candidate; id: string; turn: number; served: number }[] = [];
  for (const [id, list] of byGroup) {
    const first = list[0];
    const state = groups(id, first.task, first.group);
    const room = Math.max(0, state?.room ?? Infinity);
    const served = state?.served ?? -Infinity;
    // The turn counts per priority: a group's first job at priority 5 takes the first turn at 5.
    let turn = 0;
    let priority = Number.NaN;
    list.sort(byQueueOrder);
    for (const candidate of list.slice(0, Math.min(room, list.length))) {
      turn = candidate.priority === priority ? turn + 1 : 0;
      priority = candidate.priority;
      ranked.push({ candidate, id, turn, served });
    }
  }
  ranked.sort((a, b) => a.candidate.priority - b.candidate.priority || a.turn - b.turn || a.served - b.served || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || byQueueOrder(a.candidate, b.candidate));
  const chosen = ranked.slice(0, Math.max(0, limit));
  const last = new Map<string, Candidate>();
  for (const { id, candidate } of chosen) {
    last.delete(id); // re-inserted last: stamps follow the order of each group's last job here
    last.set(id, candidate);
  }
  const served = [...last].map(([id, { task, group }], index) => ({ id, task, group, stamp: stamp + index }));
  return { taken: chosen.map(({ candidate }) => candidate), served };
}
