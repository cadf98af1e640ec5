import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routes } from './http/routes.js';
import { compiledServer } from './lib/build-servers.js';
import { loadGenerator } from './lib/load.js';
import { startServer } from './lib/server-process.js';

/*
 * Where a server's time goes on one route: `npx tsx bench/profile.ts [server] [route] [seconds]`,
 * e.g. `npx tsx bench/profile.ts errand-hono error 5`. Runs bench/http/servers/<server>.ts pinned
 * like the bench, under `--cpu-prof`, loads the route, and prints self and inclusive time per
 * function and self time per area (errand, hono, node internals, …).
 * The server runs from its tsc output, like in the bench, so line numbers are real.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function area(url: string): string {
  if (url === '') return '(native / gc / idle)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const src = /\/(src\/[^/]+\/[^/]+)\//.exec(url) ?? /\/(src\/[^/]+)\//.exec(url);
  if (src) return src[1];
  return url.replace(/^.*\/(bench\/)/, '$1');
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules|src|bench)\//, '$1/').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

/** Lines of `share%  µs/request  key`, biggest first. */
function top(map: Map<string, number>, total: number, usPerSample: number, n: number): string {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v * usPerSample).toFixed(2).padStart(7)} µs/req  ${k}`).join('\n');
}

function summarise(path: string, requests: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
  // Sample counts become µs per request: (profile length / samples) is the sampling interval.
  const usPerSample = (profile.endTime - profile.startTime) / profile.samples.length / requests;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const walk = (node: ProfileNode, onStack: Set<string>): number => {
    let sum = node.hitCount ?? 0;
    const key = label(node);
    const fresh = !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const child of node.children ?? []) sum += walk(byId.get(child)!, onStack);
    if (fresh) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
    }
    return sum;
  };
  for (const n of profile.nodes) {
    self.set(label(n), (self.get(label(n)) ?? 0) + (n.hitCount ?? 0));
    areas.set(area(n.callFrame.url), (areas.get(area(n.callFrame.url)) ?? 0) + (n.hitCount ?? 0));
  }
  walk(profile.nodes[0], new Set());
  inclusive.delete(label(profile.nodes[0]));
  return [
    `samples ${total}, idle ${((100 * idle) / total).toFixed(1)}%, busy ${((total - idle) * usPerSample).toFixed(1)} µs per request ` +
      '(startup included: compare systems with runs of the same length)',
    '', 'self time by area:', top(areas, total, usPerSample, 15),
    '', 'self time by function:', top(self, total, usPerSample, 25),
    '', 'inclusive time by function:', top(inclusive, total, usPerSample, 30),
  ].join('\n');
}

async function main(): Promise<void> {
  const [server = 'errand-hono', routeKey = 'error', seconds = '5'] = process.argv.slice(2);
  const route = routes.find((r) => r.key === routeKey);
  if (!route) throw new Error(`route must be one of ${routes.map((r) => r.key).join(', ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'errand-prof-'));
  const compiled = compiledServer(server);
  if ('missing' in compiled) throw new Error(compiled.missing);
  const running = await startServer({
    system: server, command: process.execPath,
    args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, compiled.file], env: { REGISTER_TASK: process.env.REGISTER_TASK ?? 'noop' },
  });
  let requests = 0;
  try {
    const generator = loadGenerator(false);
    const warm = await generator.measure(running.url, route.request, 1, 50);
    const result = await generator.measure(running.url, route.request, Number(seconds), 50);
    requests = warm.requests + result.requests;
    console.log(`${server} ${route.label}: ${Math.round(result.rps)} req/s (noisy unless the machine is quiet; the profiler costs some too)`);
  } finally {
    await running.stop();
  }
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (profiles.length === 0) throw new Error('the server wrote no profile (it did not exit cleanly)');
  console.log(summarise(join(dir, profiles[0]), requests));
  if (process.env.ERRAND_PROFILE_KEEP === "1") console.log(`profile kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

await main();
