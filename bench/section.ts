/**
 * What each benchmark script returns, so `bench/run.ts` can print one table and write one JSON file.
 */
export interface BenchRow {
  /** Which system, e.g. `errand/hono`, `hono`, `fastapi`, `bullmq`. */
  system: string;
  /** What was measured, e.g. `GET /items/{name}`, `process 20k no-op jobs`. */
  case: string;
  /** Medians over rounds. */
  value: number;
  unit: 'req/s' | 'jobs/s' | 'ms';
  /** Optional extras: p50, p99 in ms, rounds, etc. */
  extra?: Record<string, number | string>;
}

export interface BenchRatio {
  /** e.g. `errand/hono vs hono, GET /items/{name}`. */
  name: string;
  value: number;
  /** The target ratio from the issue, if any. */
  target?: number;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
  ratios: BenchRatio[];
  /** Anything skipped and why (e.g. FastAPI not installed). */
  notices: string[];
}
