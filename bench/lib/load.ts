import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pinning } from './pinning.js';

const run = promisify(execFile);

/** One kind of request to hammer a server with. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  /** JSON body for POST. */
  body?: string;
}

/** What one load run measured. */
export interface LoadResult {
  rps: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
  requests: number;
  /** Responses outside 2xx/3xx (expected on the 418 and 404 routes, a fault elsewhere). */
  non2xx: number;
  /** Socket errors and timeouts: always a fault. */
  errors: number;
}

/** Which load generator this run uses, and the one-line notice when it had to fall back. */
export interface LoadGenerator {
  name: 'wrk' | 'autocannon';
  version: string;
  notice?: string;
  measure(url: string, request: LoadRequest, seconds: number, connections: number): Promise<LoadResult>;
}

// wrk's `done` hook runs once with the merged statistics; printing JSON avoids parsing its table.
function wrkScript(request: LoadRequest): string {
  const body = request.body === undefined ? '' : `wrk.body = ${JSON.stringify(request.body)}\nwrk.headers["Content-Type"] = "application/json"\n`;
  return `wrk.method = "${request.method}"\n${body}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%f,"p99_us":%f,"non2xx":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
`;
}

function createWrk(version: string): LoadGenerator {
  return {
    name: 'wrk',
    version,
    async measure(url, request, seconds, connections) {
      const dir = mkdtempSync(join(tmpdir(), 'errand-bench-'));
      try {
        const script = join(dir, 'request.lua');
        writeFileSync(script, wrkScript(request));
        const [cmd, args] = pinning().wrap(1, 'wrk', [
          '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', script, url + request.path,
        ]);
        const { stdout } = await run(cmd, args, { maxBuffer: 1 << 20 });
        const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
        if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
        const r = JSON.parse(line.slice(8)) as Record<string, number>;
        return {
          rps: r.requests / (r.duration_us / 1e6), p50: r.p50_us / 1000, p99: r.p99_us / 1000,
          requests: r.requests, non2xx: r.non2xx, errors: r.errors,
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function createAutocannon(notice: string | undefined): LoadGenerator {
  const require = createRequire(import.meta.url);
  const cli = require.resolve('autocannon/autocannon.js');
  const version = (require('autocannon/package.json') as { version: string }).version;
  return {
    name: 'autocannon',
    version,
    notice,
    async measure(url, request, seconds, connections) {
      const extra = request.body === undefined ? [] : ['-H', 'content-type=application/json', '-b', request.body];
      const [cmd, args] = pinning().wrap(1, process.execPath, [
        cli, '-j', '-c', String(connections), '-d', String(seconds), '-t', '5', '-m', request.method, ...extra, url + request.path,
      ]);
      const { stdout } = await run(cmd, args, { maxBuffer: 1 << 22 });
      const r = JSON.parse(stdout) as {
        duration: number; errors: number; timeouts: number; non2xx: number;
        latency: { p50: number; p99: number }; requests: { total: number };
      };
      return {
        rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99,
        requests: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts,
      };
    },
  };
}

/**
 * A fixed offered rate (an open-loop load, as wrk2 would give): autocannon with `--overallRate`,
 * `rate` requests a second across `connections` connections, whatever the server's speed, so the
 * latency percentiles are those a client sees at that load. Runs autocannon whatever generator the
 * run uses (wrk has no fixed rate).
 */
export async function measureFixedRate(url: string, request: LoadRequest, seconds: number, connections: number, rate: number): Promise<LoadResult> {
  const require = createRequire(import.meta.url);
  const cli = require.resolve('autocannon/autocannon.js');
  const extra = request.body === undefined ? [] : ['-H', 'content-type=application/json', '-b', request.body];
  const [cmd, args] = pinning().wrap(1, process.execPath, [
    cli, '-j', '-c', String(connections), '-d', String(seconds), '-t', '5', '--overallRate', String(Math.max(1, Math.round(rate))), '-m', request.method, ...extra, url + request.path,
  ]);
  const { stdout } = await run(cmd, args, { maxBuffer: 1 << 22 });
  const r = JSON.parse(stdout) as {
    duration: number; errors: number; timeouts: number; non2xx: number;
    latency: { p50: number; p99: number }; requests: { total: number };
  };
  return { rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

/** wrk when installed (it costs the load core far less per request), else autocannon with a notice. */
export function loadGenerator(forceAutocannon: boolean): LoadGenerator {
  if (forceAutocannon) return createAutocannon(undefined);
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    return createAutocannon('wrk not found: using autocannon, which needs more CPU per request and may cap the faster servers (apt-get install -y wrk)');
  }
  const version = /wrk\s+(\S+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? 'unknown';
  return createWrk(version);
}
