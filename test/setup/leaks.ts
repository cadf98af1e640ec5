/**
 * Fails a test file that leaves a timer, socket or server open after it finished: a leaked worker
 * or interval in a job system is a bug the user meets as a process that never exits.
 */
import { afterAll, beforeAll } from 'vitest';

const watched = new Set(['Timeout', 'TCPSocketWrap', 'TCPServerWrap', 'PipeWrap', 'ProcessWrap']);

function snapshot(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (watched.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function excess(before: Map<string, number>, after: Map<string, number>): string[] {
  const leaks: string[] = [];
  for (const [kind, count] of after) {
    const extra = count - (before.get(kind) ?? 0);
    if (extra > 0) leaks.push(`${extra} × ${kind}`);
  }
  return leaks;
}

let baseline = new Map<string, number>();

beforeAll(() => {
  baseline = snapshot();
});

afterAll(async () => {
  // Sockets and timers closed in teardown need a few turns of the event loop to disappear, many
  // more on a loaded machine; a file that really leaks still fails, only later.
  const deadline = Date.now() + 10_000;
  let leaks = excess(baseline, snapshot());
  while (leaks.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaks = excess(baseline, snapshot());
  }
  if (leaks.length > 0) {
    throw new Error(`test file left resources open: ${leaks.join(', ')}; close every worker, server, client and timer in teardown`);
  }
});
