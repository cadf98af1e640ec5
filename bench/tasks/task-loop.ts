import { EventEmitter } from 'node:events';
import { createTaskRunner } from '../../src/tasks/task-runner.js';

/*
 * The runner's own work per request, nothing else: `node --import tsx bench/tasks/task-loop.ts [n]`
 * runs 2 × n requests that each make a batch with a response (as the adapters do), add one
 * synchronous task, and close the response; it prints ns per request. Wall time moves with the
 * machine's load; count instructions instead, as the difference of two runs under callgrind
 * (start-up cancels out):
 *
 *   run() { valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --import tsx bench/tasks/task-loop.ts $1 2>&1 | awk '/Collected/ {print $4}'; }
 *   echo $(( ($(run 60000) - $(run 20000)) / 80000 )) instructions per request
 */

class Response extends EventEmitter {
  statusCode = 200;
  writableFinished = false;
  destroyed = false;
}

const runner = createTaskRunner({ maxPending: 1e9 });
const report = (): void => undefined;
let sent = 0;
function task(email: string): void {
  sent += email.length;
}
const n = Number(process.argv[2] ?? 200_000);

async function round(): Promise<void> {
  for (let i = 0; i < n; i++) {
    const response = new Response();
    const tasks = runner.createBatch({ requestId: 'r', context: undefined, report, response });
    tasks.add(task, 'ada@example.com');
    response.writableFinished = true;
    response.destroyed = true;
    response.emit('close');
    if ((i & 1023) === 0) await runner.onIdle();
  }
  await runner.onIdle();
}

await round();
const started = performance.now();
await round();
console.log(`${(((performance.now() - started) * 1e6) / n).toFixed(0)} ns per request (${sent} tasks run)`);
