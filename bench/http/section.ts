import type { BenchArgs } from '../lib/args.js';
import { faultNotices, measureInterleaved, toRow, type Cell, type CellSummary } from '../lib/interleave.js';
import type { LoadGenerator } from '../lib/load.js';
import { startAll, stopAll } from '../lib/server-set.js';
import { pairedRatio, round } from '../lib/stats.js';
import type { BenchRatio, BenchSection } from '../section.js';
import { checkRoute, routes } from './routes.js';
import { httpSystems } from './systems.js';

/**
 * Targets (issue 16), same run: errand on Hono against Hono with the same contract written by hand,
 * against bare Hono (and on the custom exception: an expected error needs no stack trace) and
 * FastAPI; errand on Fastify and Express against their bare hosts.
 */
const targets = { vsContract: 1, vsBare: 0.9, vsHonoOnError: 1.2, vsFastApi: 2 } as const;

/** errand's system and the bare system it is held against. */
const pairs = [
  { errand: 'errand/hono', bare: 'hono' },
  { errand: 'errand/fastify', bare: 'fastify' },
  { errand: 'errand/express', bare: 'express' },
] as const;

/**
 * The four seed routes on raw node:http, bare Hono, errand on Hono, bare Fastify, bare Express and
 * FastAPI, each server alone on the server core, rounds interleaved, medians reported.
 */
export async function run(args: BenchArgs, generator: LoadGenerator): Promise<BenchSection> {
  const notices: string[] = [];
  const servers = await startAll(httpSystems(), args.systems, notices);
  try {
    const cells: Cell[] = [];
    for (const route of routes) {
      for (const server of servers) {
        try {
          await checkRoute(server.url, route);
          cells.push({ system: server.system, case: route.label, url: server.url, cpuSeconds: () => server.cpuSeconds(), request: route.request, expectsError: route.status >= 400 });
        } catch (error) {
          notices.push(`${server.system} ${route.label} not measured: wrong answer: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    const summaries = await measureInterleaved(cells, generator, args);
    notices.push(...faultNotices(summaries));
    const find = (system: string, label: string): CellSummary | undefined =>
      summaries.find((s) => s.cell.system === system && s.cell.case === label);
    // Ratios are medians of per-round ratios (bench/lib/stats.ts): a and b of one round ran minutes apart.
    const byRps = (a: string, b: string, label: string): number => pairedRatio(find(a, label)?.rpsRounds, find(b, label)?.rpsRounds);
    // CPU per request is lower-is-better: b's over a's reads like the throughput ratio.
    const byCpu = (a: string, b: string, label: string): number => pairedRatio(find(b, label)?.cpuRounds, find(a, label)?.cpuRounds);
    const ratios: BenchRatio[] = [];
    for (const route of routes) {
      for (const pair of pairs) {
        const value = byRps(pair.errand, pair.bare, route.label);
        if (Number.isNaN(value)) continue;
        const target = pair.bare === 'hono' && route.key === 'error' ? targets.vsHonoOnError : targets.vsBare;
        ratios.push({ name: `${pair.errand} ÷ ${pair.bare}, ${route.label}`, value: round(value), target });
        // Server CPU per request does not depend on how much of its core a server got, so on a busy
        // machine it estimates the throughput ratio better than req/s does (informational, no target).
        const cpu = byCpu(pair.errand, pair.bare, route.label);
        if (!Number.isNaN(cpu)) ratios.push({ name: `${pair.errand} ÷ ${pair.bare}, ${route.label}, by CPU µs per request`, value: round(cpu) });
      }
      const vsContract = byRps('errand/hono', 'hono-contract', route.label);
      if (!Number.isNaN(vsContract)) ratios.push({ name: `errand/hono ÷ hono-contract (by hand), ${route.label}`, value: round(vsContract), target: targets.vsContract });
      const contractCpu = byCpu('errand/hono', 'hono-contract', route.label);
      if (!Number.isNaN(contractCpu)) ratios.push({ name: `errand/hono ÷ hono-contract (by hand), ${route.label}, by CPU µs per request`, value: round(contractCpu) });
      const vsFastApi = byRps('errand/hono', 'fastapi', route.label);
      if (!Number.isNaN(vsFastApi)) ratios.push({ name: `errand/hono ÷ fastapi, ${route.label}`, value: round(vsFastApi), target: targets.vsFastApi });
    }
    return { title: 'HTTP: the four seed routes', rows: summaries.map(toRow), ratios, notices };
  } finally {
    await stopAll(servers);
  }
}
