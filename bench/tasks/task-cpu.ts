import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createTaskRunner } from '../../src/tasks/task-runner.js';
import { FakeResponse } from './fake-response.js';
import type { TaskErrorReporter } from '../../src/tasks/task-runner-options.js';

/*
 * CPU per request of an after-response 200 ms task, the runner alone (no HTTP, no framework):
 * `nice -n 19 npx tsx bench/tasks/task-cpu.ts [rate] [seconds] [rounds]`.
 * Each request is an EventEmitter standing in for the Node response; errand makes a batch with the
 * response (as the adapters do), adds the seed's 200 ms task, and the response closes; bare runs the
 * same task on the response's 'finish', as bench/http/servers/node-http.ts does. At a fixed offered
 * rate, so that both keep the same number of tasks in flight (rate × 200 ms) and pay the same
 * garbage collection for them. Each mode runs in its own process, modes interleaved per round;
 * figures are process CPU µs per request after a warm-up, medians over the rounds.
 */

type Mode = 'bare-none' | 'bare-task' | 'errand-none' | 'errand-task';
const modes: Mode[] = ['bare-none', 'bare-task', 'errand-none', 'errand-task'];

let sent = 0;
async function sleep200(email: string): Promise<void> {
  await sleep(200);
  sent += email.length > 0 ? 1 : 0;
}

function requestOf(mode: Mode): (i: number) => void {
  const runner = createTaskRunner({ maxPending: 1_000_000 });
  const report: TaskErrorReporter = () => undefined;
  switch (mode) {
    case 'bare-none':
      return () => new FakeResponse().finish();
    case 'bare-task':
      return (i) => {
        const res = new FakeResponse();
        const email = `user${i}@example.com`;
        res.once('finish', () => void Promise.resolve(sleep200(email)).catch((error: unknown) => console.error('task failed', error)));
        res.finish();
      };
    case 'errand-none':
      return (i) => {
        const res = new FakeResponse();
        runner.admit(`req-${i}`);
        runner.createBatch({ requestId: `req-${i}`, context: undefined, report, response: res });
        res.finish();
      };
    case 'errand-task':
      return (i) => {
        const res = new FakeResponse();
        runner.admit(`req-${i}`);
        const batch = runner.createBatch({ requestId: `req-${i}`, context: undefined, report, response: res });
        batch.add(sleep200, `user${i}@example.com`);
        res.finish();
      };
  }
}

/** Offers `rate` requests a second for `seconds`; returns CPU µs per request. */
async function offer(request: (i: number) => void, rate: number, seconds: number, from: number): Promise<{ cpuUs: number; count: number }> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let count = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; count < due; count++) request(from + count);
    await sleep(1);
  }
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / count, count };
}

async function child(mode: Mode, rate: number, seconds: number): Promise<void> {
  const request = requestOf(mode);
  await offer(request, rate, 1, 0);
  // Between these two lines, --trace-gc-nvp's `allocated=` figures are the measured requests'.
  console.log('MEASURE');
  const { cpuUs, count } = await offer(request, rate, seconds, 1_000_000);
  console.log('END');
  await sleep(300);
  console.log(JSON.stringify({ mode, cpuUs, count, sent }));
}

/** Bytes allocated between two marker lines: the sum of --trace-gc-nvp's `allocated=` (young and old generation). */
function allocatedBetween(lines: readonly string[], from: string, to: string): number {
  let on = false;
  let sum = 0;
  for (const line of lines) {
    if (line === from) on = true;
    else if (line === to) on = false;
    else if (on) sum += Number(/\ballocated=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return sum;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const [first, ...rest] = process.argv.slice(2);
if (first === '--child') {
  await child(rest[0] as Mode, Number(rest[1]), Number(rest[2]));
} else {
  const rate = Number(first ?? 5_000);
  const seconds = Number(rest[0] ?? 3);
  const rounds = Number(rest[1] ?? 3);
  const results = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
  const allocated = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
  const script = fileURLToPath(import.meta.url);
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const out = spawnSync(process.execPath, ['--trace-gc-nvp', ...process.execArgv, script, '--child', mode, String(rate), String(seconds)], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (out.status !== 0) throw new Error(out.stderr);
      const lines = out.stdout.trim().split('\n');
      const { cpuUs, count } = JSON.parse(lines.at(-1)!) as { cpuUs: number; count: number };
      if (count < rate * seconds * 0.9) console.warn(`${mode}: only ${count} of ${rate * seconds} requests offered (the machine is too loaded for this rate)`);
      results.get(mode)!.push(cpuUs);
      allocated.get(mode)!.push(allocatedBetween(lines, 'MEASURE', 'END') / count);
    }
  }
  const m = (mode: Mode): number => median(results.get(mode)!);
  const a = (mode: Mode): number => median(allocated.get(mode)!);
  for (const mode of modes) {
    console.log(`${mode.padEnd(12)} ${m(mode).toFixed(2).padStart(7)} CPU µs/request (${results.get(mode)!.map((v) => v.toFixed(2)).join(', ')}), ${Math.round(a(mode)).toString().padStart(5)} bytes allocated/request`);
  }
  console.log(`a task costs: errand ${(m('errand-task') - m('errand-none')).toFixed(2)} µs and ${Math.round(a('errand-task') - a('errand-none'))} B, bare ${(m('bare-task') - m('bare-none')).toFixed(2)} µs and ${Math.round(a('bare-task') - a('bare-none'))} B`);
  console.log(`an empty batch costs ${(m('errand-none') - m('bare-none')).toFixed(2)} µs and ${Math.round(a('errand-none') - a('bare-none'))} B (with admit and the request id string)`);
}
