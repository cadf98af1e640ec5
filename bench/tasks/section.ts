import { checkRoute, routes } from '../http/routes.js';
import { errandSystem, fastApiSystem, nodeServer } from '../http/systems.js';
import type { BenchArgs } from '../lib/args.js';
import { faultNotices, measureInterleaved, toRow, type Cell, type CellSummary } from '../lib/interleave.js';
import type { LoadGenerator } from '../lib/load.js';
import { startAll, stopAll } from '../lib/server-set.js';
import { ratio, round } from '../lib/stats.js';
import type { BenchRatio, BenchSection } from '../section.js';

/** With a 200 ms task, throughput and p99 stay ≥ 0.9× the same route without one. */
const target = 0.9;
const withTask = '+ 200 ms task';
const withoutTask = 'no task';

const register = routes.find((r) => r.key === 'register')!;

/**
 * `POST /register` adding a 200 ms async task (the seed's welcome email) against the same route
 * adding none, for errand on Hono and for FastAPI's BackgroundTasks, with bare Hono running the same
 * task on the response's 'finish' as the reference. Measures what the task costs
 * the requests that keep arriving while thousands of such tasks are in flight.
 */
export async function run(args: BenchArgs, generator: LoadGenerator): Promise<BenchSection> {
  const notices: string[] = [];
  const choices = {
    [`errand/hono ${withTask}`]: errandSystem(`errand/hono ${withTask}`, { REGISTER_TASK: 'sleep200' }),
    [`errand/hono ${withoutTask}`]: errandSystem(`errand/hono ${withoutTask}`, { REGISTER_TASK: 'none' }),
    // References: the same 200 ms timer run on the response's 'finish' by bare Hono and by bare
    // node:http (no framework at all): what the task costs any Node stack, the floor under errand.
    [`hono ${withTask}`]: nodeServer(`hono ${withTask}`, 'hono', { REGISTER_TASK: 'sleep200' }),
    [`hono ${withoutTask}`]: nodeServer(`hono ${withoutTask}`, 'hono', { REGISTER_TASK: 'none' }),
    [`node-http ${withTask}`]: nodeServer(`node-http ${withTask}`, 'node-http', { REGISTER_TASK: 'sleep200' }),
    [`node-http ${withoutTask}`]: nodeServer(`node-http ${withoutTask}`, 'node-http', { REGISTER_TASK: 'none' }),
    [`fastapi ${withTask}`]: fastApiSystem(`fastapi ${withTask}`, { REGISTER_TASK: 'sleep200' }),
    [`fastapi ${withoutTask}`]: fastApiSystem(`fastapi ${withoutTask}`, { REGISTER_TASK: 'none' }),
  };
  const servers = await startAll(choices, args.systems, notices);
  try {
    const cells: Cell[] = [];
    for (const server of servers) {
      try {
        await checkRoute(server.url, register);
        cells.push({ system: server.system, case: register.label.replace(' + task', ''), url: server.url, cpuSeconds: () => server.cpuSeconds(), request: register.request, expectsError: false });
      } catch (error) {
        notices.push(`${server.system} not measured: wrong answer: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const summaries = await measureInterleaved(cells, generator, args);
    notices.push(...faultNotices(summaries));
    return { title: 'After-response tasks: POST /register with a 200 ms task vs none', rows: summaries.map(toRow), ratios: ratios(summaries), notices };
  } finally {
    await stopAll(servers);
  }
}

function ratios(summaries: readonly CellSummary[]): BenchRatio[] {
  const find = (system: string): CellSummary | undefined => summaries.find((s) => s.cell.system === system);
  const out: BenchRatio[] = [];
  for (const system of ['errand/hono', 'hono', 'node-http', 'fastapi']) {
    const on = find(`${system} ${withTask}`);
    const off = find(`${system} ${withoutTask}`);
    if (!on || !off) continue;
    // The bare references show what a 200 ms timer costs any Node stack, so they get no target.
    const goal = system === 'hono' || system === 'node-http' ? undefined : target;
    out.push({ name: `${system}: req/s with task ÷ without`, value: round(ratio(on.rps, off.rps)), target: goal });
    out.push({ name: `${system}: CPU µs/req without task ÷ with (${round(off.cpuUsPerRequest)} → ${round(on.cpuUsPerRequest)})`, value: round(ratio(off.cpuUsPerRequest, on.cpuUsPerRequest)) });
    // Latency is lower-is-better, so the ratio is inverted to read like the throughput one.
    out.push({ name: `${system}: p99 without task ÷ with (${round(off.p99)} → ${round(on.p99)} ms)`, value: round(ratio(off.p99, on.p99)), target: goal });
  }
  return out;
}
