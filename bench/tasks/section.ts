import { checkRoute, routes } from '../http/routes.js';
import { errandSystem, fastApiSystem, nodeServer } from '../http/systems.js';
import type { BenchArgs } from '../lib/args.js';
import { faultNotices, measureInterleaved, progress, toRow, type Cell, type CellSummary } from '../lib/interleave.js';
import { measureFixedRate, type LoadGenerator, type LoadResult } from '../lib/load.js';
import { startAll, stopAll } from '../lib/server-set.js';
import { median, pairedRatio, ratio, round, roundRatios } from '../lib/stats.js';
import type { BenchRatio, BenchRow, BenchSection } from '../section.js';

/**
 * Targets (issue 16): errand's req/s with a 200 ms task ÷ without ≥ 0.95× bare node:http's same
 * ratio in the same run; at a fixed offered rate of half errand's capacity, p99 with the task
 * ≤ 1.5× p99 without (the client's latency must not depend on the task).
 */
const targets = { vsNodeHttp: 0.95, fixedRateP99: 1 / 1.5 } as const;
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
    // errand's runner behind the Fastify and Express adapters, beside the bare hosts running the
    // timer on 'finish' (informational: the target is errand/hono's).
    [`errand/fastify ${withTask}`]: nodeServer(`errand/fastify ${withTask}`, 'errand-fastify', { REGISTER_TASK: 'sleep200' }),
    [`errand/fastify ${withoutTask}`]: nodeServer(`errand/fastify ${withoutTask}`, 'errand-fastify', { REGISTER_TASK: 'none' }),
    [`fastify ${withTask}`]: nodeServer(`fastify ${withTask}`, 'fastify', { REGISTER_TASK: 'sleep200' }),
    [`fastify ${withoutTask}`]: nodeServer(`fastify ${withoutTask}`, 'fastify', { REGISTER_TASK: 'none' }),
    [`errand/express ${withTask}`]: nodeServer(`errand/express ${withTask}`, 'errand-express', { REGISTER_TASK: 'sleep200' }),
    [`errand/express ${withoutTask}`]: nodeServer(`errand/express ${withoutTask}`, 'errand-express', { REGISTER_TASK: 'none' }),
    [`express ${withTask}`]: nodeServer(`express ${withTask}`, 'express', { REGISTER_TASK: 'sleep200' }),
    [`express ${withoutTask}`]: nodeServer(`express ${withoutTask}`, 'express', { REGISTER_TASK: 'none' }),
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
    const fixed = await fixedRate(cells, summaries, args);
    notices.push(...fixed.notices);
    return {
      title: 'After-response tasks: POST /register with a 200 ms task vs none',
      rows: [...summaries.map(toRow), ...fixed.rows],
      ratios: [...ratios(summaries), ...fixed.ratios],
      notices,
    };
  } finally {
    await stopAll(servers);
  }
}

function ratios(summaries: readonly CellSummary[]): BenchRatio[] {
  const find = (system: string): CellSummary | undefined => summaries.find((s) => s.cell.system === system);
  // Per round, like every published ratio (bench/lib/stats.ts): with and without ran in the same round.
  const keepsRounds = (system: string): number[] => roundRatios(find(`${system} ${withTask}`)?.rpsRounds, find(`${system} ${withoutTask}`)?.rpsRounds);
  const keeps = (system: string): number => median(keepsRounds(system));
  const cpuKeeps = (system: string): number[] => roundRatios(find(`${system} ${withoutTask}`)?.cpuRounds, find(`${system} ${withTask}`)?.cpuRounds);
  const out: BenchRatio[] = [];
  for (const system of ['errand/hono', 'hono', 'node-http', 'errand/fastify', 'fastify', 'errand/express', 'express', 'fastapi']) {
    const on = find(`${system} ${withTask}`);
    const off = find(`${system} ${withoutTask}`);
    if (!on || !off) continue;
    out.push({ name: `${system}: req/s with task ÷ without`, value: round(keeps(system)) });
    out.push({ name: `${system}: CPU µs/req without task ÷ with (${round(off.cpuUsPerRequest)} → ${round(on.cpuUsPerRequest)})`, value: round(median(cpuKeeps(system))) });
    // Latency is lower-is-better, so the ratio is inverted to read like the throughput one.
    out.push({ name: `${system}: p99 at full load, without task ÷ with (${round(off.p99)} → ${round(on.p99)} ms)`, value: round(ratio(off.p99, on.p99)) });
  }
  const vsNodeHttp = pairedRatio(keepsRounds('errand/hono'), keepsRounds('node-http'));
  if (!Number.isNaN(vsNodeHttp)) out.push({ name: "errand/hono's with÷without ÷ node-http's with÷without", value: round(vsNodeHttp), target: targets.vsNodeHttp });
  // The same comparison by CPU µs per request (informational, no target): on a busy machine req/s
  // says how much of its core a server got, CPU per request barely moves.
  const cpuVsNodeHttp = pairedRatio(cpuKeeps('errand/hono'), cpuKeeps('node-http'));
  if (!Number.isNaN(cpuVsNodeHttp)) out.push({ name: "by CPU µs/req: errand/hono's without÷with ÷ node-http's (informational)", value: round(cpuVsNodeHttp) });
  // errand behind Fastify and Express against its host and against node:http (informational).
  for (const [errandHost, host] of [['errand/fastify', 'fastify'], ['errand/express', 'express']]) {
    for (const reference of [host, 'node-http']) {
      const value = pairedRatio(keepsRounds(errandHost), keepsRounds(reference));
      if (!Number.isNaN(value)) out.push({ name: `${errandHost}'s with÷without ÷ ${reference}'s with÷without (informational)`, value: round(value) });
    }
  }
  return out;
}

/**
 * errand with and without the task at a fixed offered rate of half errand's capacity (its req/s
 * without a task, just measured), rounds interleaved, medians of p99: the latency a client sees
 * when the server is not saturated.
 */
async function fixedRate(cells: readonly Cell[], summaries: readonly CellSummary[], args: BenchArgs): Promise<Pick<BenchSection, 'rows' | 'ratios' | 'notices'>> {
  const capacity = summaries.find((s) => s.cell.system === `errand/hono ${withoutTask}`)?.rps;
  const on = cells.find((c) => c.system === `errand/hono ${withTask}`);
  const off = cells.find((c) => c.system === `errand/hono ${withoutTask}`);
  if (capacity === undefined || on === undefined || off === undefined) return { rows: [], ratios: [], notices: ['fixed-rate p99 not measured: errand/hono was not run'] };
  const rate = Math.round(capacity / 2);
  const results: Record<'on' | 'off', LoadResult[]> = { on: [], off: [] };
  for (let round = 0; round < args.rounds; round++) {
    for (const [key, cell] of [['on', on], ['off', off]] as const) {
      const result = await measureFixedRate(cell.url, cell.request, args.duration, args.connections, rate);
      results[key].push(result);
      progress(`fixed rate ${rate}/s round ${round + 1}/${args.rounds} ${cell.system}: ${Math.round(result.rps)} req/s, p99 ${result.p99.toFixed(2)} ms`);
    }
  }
  const p99 = (key: 'on' | 'off'): number => median(results[key].map((r) => r.p99));
  const row = (key: 'on' | 'off', cell: Cell): BenchRow => ({
    system: cell.system, case: `at ${rate} req/s offered (autocannon --overallRate)`, value: Math.round(median(results[key].map((r) => r.rps))), unit: 'req/s',
    extra: { p50: round(median(results[key].map((r) => r.p50))), p99: round(p99(key)), rounds: results[key].length },
  });
  return {
    rows: [row('on', on), row('off', off)],
    // Lower is better for latency: the ratio is inverted (without ÷ with), so its target is 1 / 1.5.
    ratios: [{ name: `errand/hono at ${rate} req/s: p99 without task ÷ with (${round(p99('off'))} → ${round(p99('on'))} ms; target: with ≤ 1.5× without)`, value: round(ratio(p99('off'), p99('on'))), target: round(targets.fixedRateP99) }],
    notices: [],
  };
}
