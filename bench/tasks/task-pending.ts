import { createTaskRunner } from '../../src/tasks/task-runner.js';
import { FakeResponse } from './fake-response.js';

/*
 * The cost of after-response tasks while many are pending, without timers or wall time, so that
 * callgrind can count it: `node --import tsx bench/tasks/task-pending.ts <bare|errand|errand-none|bare-none> [requests] [pending]`.
 * Each request makes a response (an EventEmitter standing in for Node's), adds one task that
 * awaits a gate, and closes the response; the gate of the request `pending` requests earlier
 * opens, so `pending` tasks are always in flight, as a 200 ms task keeps rate × 0.2 s in flight.
 * bare runs the task on 'finish' as bench/http/servers/node-http.ts does. Requests come in
 * bursts of 50 per macrotask, like 50 connections. Count instructions as the difference of two
 * runs (start-up cancels out):
 *
 *   run() { valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --import tsx bench/tasks/task-pending.ts $1 $2 2000 2>&1 | awk '/Collected/ {print $4}'; }
 *   echo $(( ($(run errand 60000) - $(run errand 20000)) / 40000 )) instructions per request
 */

const [mode = 'errand', requestsArg = '100000', pendingArg = '2000'] = process.argv.slice(2);
const requests = Number(requestsArg);
(globalThis as { heapSampleUnits?: number }).heapSampleUnits = requests;
const pending = Number(pendingArg);
// A ring of the gates' resolvers, room for a burst more than `pending` (Array#shift on thousands of
// elements may copy them all).
const gates: ((() => void) | undefined)[] = new Array<undefined>(pending + 1024).fill(undefined);
let added = 0;
let opened = 0;
let sent = 0;

async function sendWelcome(email: string): Promise<void> {
  await new Promise<void>((resolve) => (gates[added++ % gates.length] = resolve));
  sent += email.length > 0 ? 1 : 0;
}

function openOne(): void {
  const slot = opened++ % gates.length;
  const open = gates[slot]!;
  gates[slot] = undefined;
  open();
}

const runner = createTaskRunner({ maxPending: 1e9 });
const report = (): void => undefined;

function request(i: number): void {
  const res = new FakeResponse();
  const email = `user${i}@example.com`;
  if (mode === 'bare') {
    res.once('finish', () => void Promise.resolve(sendWelcome(email)).catch((error: unknown) => console.error('task failed', error)));
  } else if (mode === 'errand' || mode === 'errand-none') {
    const requestId = `req-${i}`;
    runner.admit(requestId);
    const batch = runner.createBatch({ requestId, context: undefined, report, response: res });
    if (mode === 'errand') batch.add(sendWelcome, email);
  }
  res.finish();
  if (mode === 'errand-none' || mode === 'bare-none') return;
  if (added - opened > pending) openOne();
}

for (let i = 0; i < requests; i += 50) {
  for (let j = i; j < i + 50 && j < requests; j++) request(j);
  await new Promise((resolve) => setImmediate(resolve));
}
while (opened < added) openOne();
await runner.onIdle();
if (mode !== 'errand-none' && mode !== 'bare-none' && sent !== requests) throw new Error(`only ${sent} of ${requests} tasks ran`);
