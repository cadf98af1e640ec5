import { performance } from 'node:perf_hooks';
import type { BenchRow } from '../section.js';
import type { BenchArgs } from './args.js';
import type { LoadGenerator, LoadRequest, LoadResult } from './load.js';
import { median, round } from './stats.js';

/** One thing to measure: a request against one running server. */
export interface Cell {
  system: string;
  /** Row label, e.g. `GET /items/{name}`. */
  case: string;
  url: string;
  /** CPU seconds the server has used so far (see `RunningServer.cpuSeconds`). */
  cpuSeconds: () => number;
  request: LoadRequest;
  /** Whether non-2xx answers are the expected outcome (the 418 and 404 routes). */
  expectsError: boolean;
}

/** The medians of one cell over its rounds. */
export interface CellSummary {
  cell: Cell;
  rps: number;
  p50: number;
  p99: number;
  /**
   * Server CPU microseconds per request: robust to a busy machine where req/s is not, because it
   * does not depend on how much of its core the server got. `NaN` off Linux.
   */
  cpuUsPerRequest: number;
  /**
   * Share of its core the server used while loaded (CPU seconds ÷ wall seconds, median of the
   * rounds). Well under 1, the server was not the limit: the load generator (or the machine) was,
   * and req/s understates the server. `NaN` off Linux.
   */
  coreShare: number;
  rounds: LoadResult[];
  /** req/s of each round, in round order (for ratios paired by round). */
  rpsRounds: number[];
  /** CPU µs per request of each round, in round order. */
  cpuRounds: number[];
}

/** Progress goes to stderr so stdout carries only the final table. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * Measures every cell once per round, in the same order each round (A B C A B C …), so a slow
 * moment of the machine is spread across systems instead of landing on one. The first round of
 * each cell is preceded by an unmeasured warm-up so every JIT is hot before it counts.
 */
export async function measureInterleaved(cells: readonly Cell[], generator: LoadGenerator, args: BenchArgs): Promise<CellSummary[]> {
  const results = cells.map(() => [] as LoadResult[]);
  const cpu = cells.map(() => [] as number[]);
  const share = cells.map(() => [] as number[]);
  for (let round = 0; round < args.rounds; round++) {
    for (const [i, cell] of cells.entries()) {
      if (round === 0 && args.warmup > 0) await generator.measure(cell.url, cell.request, args.warmup, args.connections);
      const before = cell.cpuSeconds();
      const started = performance.now();
      const result = await generator.measure(cell.url, cell.request, args.duration, args.connections);
      const cpuSeconds = cell.cpuSeconds() - before;
      const cpuUs = (cpuSeconds * 1e6) / result.requests;
      cpu[i].push(cpuUs);
      const coreShare = cpuSeconds / ((performance.now() - started) / 1000);
      share[i].push(coreShare);
      results[i].push(result);
      progress(`round ${round + 1}/${args.rounds} ${cell.system} ${cell.case}: ${Math.round(result.rps)} req/s, p99 ${result.p99.toFixed(2)} ms, ${cpuUs.toFixed(1)} CPU µs/req, ${Math.round(coreShare * 100)}% of a core`);
    }
  }
  return cells.map((cell, i) => {
    const rounds = results[i];
    return {
      cell, rounds,
      rpsRounds: rounds.map((r) => r.rps),
      cpuRounds: cpu[i],
      rps: median(rounds.map((r) => r.rps)),
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      cpuUsPerRequest: median(cpu[i]),
      coreShare: median(share[i]),
    };
  });
}

/** A summary as a table row, with latency and fault counts as extras. */
export function toRow(summary: CellSummary): BenchRow {
  const errors = summary.rounds.reduce((n, r) => n + r.errors, 0);
  const non2xx = summary.rounds.reduce((n, r) => n + r.non2xx, 0);
  const extra: Record<string, number | string> = {
    p50: round(summary.p50), p99: round(summary.p99), cpuUsPerReq: round(summary.cpuUsPerRequest), rounds: summary.rounds.length,
  };
  if (errors > 0) extra.socketErrors = errors;
  if (!summary.cell.expectsError && non2xx > 0) extra.unexpectedNon2xx = non2xx;
  return { system: summary.cell.system, case: summary.cell.case, value: Math.round(summary.rps), unit: 'req/s', extra };
}

// Below this share of its core the server was not what limited req/s.
const saturated = 0.85;

/**
 * Notices for cells whose answers went wrong under load (socket errors, or errors on a 2xx route),
 * and for servers the load did not saturate (their req/s measures the load generator).
 */
export function faultNotices(summaries: readonly CellSummary[]): string[] {
  const notices: string[] = [];
  for (const s of summaries) {
    if (s.coreShare < saturated) {
      notices.push(`${s.cell.system} ${s.cell.case}: the server used ${Math.round(s.coreShare * 100)}% of its core under load, so its req/s is bounded by the load generator, not the server; compare CPU µs/req`);
    }
    const errors = s.rounds.reduce((n, r) => n + r.errors, 0);
    const non2xx = s.rounds.reduce((n, r) => n + r.non2xx, 0);
    const total = s.rounds.reduce((n, r) => n + r.requests, 0);
    if (errors > 0) notices.push(`${s.cell.system} ${s.cell.case}: ${errors} socket errors/timeouts under load`);
    if (!s.cell.expectsError && non2xx > 0) {
      notices.push(`${s.cell.system} ${s.cell.case}: ${non2xx} of ${total} answers were not 2xx under load (its req/s counts them)`);
    }
  }
  return notices;
}
