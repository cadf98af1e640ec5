import { setTimeout as sleep } from 'node:timers/promises';
import { createTaskRunner } from '../src/tasks/task-runner.js';

/*
 * Heap per pending after-response task: `node --expose-gc --import tsx bench/task-heap.ts`.
 * Puts 20,000 tasks that each await a long timer in flight, once through errand's runner (one
 * batch per request, with a request id, as `background()` makes them) and once as bare promises
 * (the same async function, its rejection caught), and prints the heap each one holds after a full
 * collection. What the request itself holds (an `info.context` kept for task-error handlers) is
 * not in these figures: see docs/tasks.md, "Bound".
 */

const count = 20_000;

async function sendWelcome(email: string): Promise<void> {
  await sleep(60_000);
  void email;
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc --import tsx bench/task-heap.ts');
  gc();
  return process.memoryUsage().heapUsed;
}

async function settleTurns(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function measure(label: string, put: (i: number) => void, unit = 'bytes per pending task'): Promise<number> {
  const before = heapAfterGc();
  for (let i = 0; i < count; i++) put(i);
  await settleTurns();
  const perTask = (heapAfterGc() - before) / count;
  console.log(`${label.padEnd(34)} ${Math.round(perTask).toLocaleString('en-US').padStart(6)} ${unit}`);
  return perTask;
}

const runner = createTaskRunner({ maxPending: count * 2 });
const bare: Promise<void>[] = [];
// What a request whose handler adds no task holds until it ends: the batch `createBatch` made, with
// the options an adapter passes (a reporter and the Node response, both shared here).
const report = (): void => undefined;
const response = { statusCode: 200, writableFinished: false, destroyed: false, on: () => undefined };
const empty: unknown[] = [];
await measure('an empty batch (no task added)', (i) => {
  empty.push(runner.createBatch({ requestId: `req-${i.toString(36).padStart(8, '0')}`, context: undefined, report, response }));
}, 'bytes per request');
empty.length = 0;
const throughRunner = await measure("errand's runner (batch per request)", (i) => {
  const batch = runner.createBatch({ requestId: `req-${i.toString(36).padStart(8, '0')}` });
  batch.add(sendWelcome, `user${i}@example.com`);
  runner.start(batch, 200);
});
if (runner.stats().running !== count) throw new Error(`expected ${count} running tasks, got ${runner.stats().running}`);
const bareTasks = await measure('bare promise', (i) => {
  bare.push(sendWelcome(`user${i}@example.com`).catch(() => undefined));
});
console.log(`errand's own share: ${Math.round(throughRunner - bareTasks)} bytes per pending task`);
process.exit(0);
