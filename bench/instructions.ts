import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routes, type BenchRoute } from './http/routes.js';
import { compiledServer } from './lib/build-servers.js';

/*
 * Instructions a server executes per request, counted by valgrind's callgrind:
 * `npx tsx bench/instructions.ts [servers] [routes] [requests]`, e.g.
 * `npx tsx bench/instructions.ts errand-hono,hono items,notfound 4000`.
 *
 * req/s and CPU µs move with whatever else the machine is doing; an instruction count does not, so
 * this is the figure to compare two versions of errand with on a busy machine (it is not a speed:
 * cache misses and GC pauses weigh differently). The server runs single-threaded (`--single-threaded`:
 * no concurrent compiler or GC threads whose work would land in the window at random; fixed hash and
 * random seeds), is warmed up with the same number of requests on each of the other routes and twice
 * that on the measured one (like the bench's servers, which serve all four; `ERRAND_BENCH_WARM=same`
 * warms on the measured route only), then its counters are zeroed, the measured requests sent
 * (keep-alive, 4 in flight) and the counters dumped.
 */

const [serverArg = 'errand-hono,hono', routeArg = 'items,error,notfound,register', countArg = '4000'] = process.argv.slice(2);
const count = Number(countArg);
// ERRAND_BENCH_PORT: another port, to run two of these at once (two worktrees, before and after).
const port = Number(process.env.ERRAND_BENCH_PORT ?? 18_700);

function sh(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

async function send(route: BenchRoute, total: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const { method, path, body } = route.request;
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === route.status ? resolve() : reject(new Error(`${path} answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  // Under valgrind the server is slow enough for an idle keep-alive socket to time out between two
  // requests; that request never reached it, so it is sent again.
  const lane = async (): Promise<void> => {
    while (next < total) {
      next++;
      try {
        await one();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
        await one();
      }
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  agent.destroy();
}

async function waitUp(): Promise<void> {
  // Up to 10 minutes: on a loaded machine node takes minutes to start under valgrind.
  for (let i = 0; i < 3000; i++) {
    try {
      await send({ ...routes[0], request: { method: 'GET', path: '/items/up' } }, 1);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error('the server did not come up under valgrind');
}

function totalOf(dir: string): number {
  const dumps = readdirSync(dir).filter((name) => /\.\d+$/.test(name) || /\.\d+\.\d+$/.test(name));
  let total = 0;
  for (const name of dumps) {
    const text = readFileSync(join(dir, name), 'utf8');
    const match = /^summary:\s+(\d+)/m.exec(text) ?? /^totals:\s+(\d+)/m.exec(text);
    // The dump made by `callgrind_control -d` is the one with the measured window (numbered .1).
    if (match && name.endsWith('.1')) total += Number(match[1]);
  }
  return total;
}

async function measure(server: string, route: BenchRoute): Promise<number> {
  const compiled = compiledServer(server);
  if ('missing' in compiled) throw new Error(compiled.missing);
  const dir = mkdtempSync(join(tmpdir(), 'errand-callgrind-'));
  const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${dir}/cg.%p`, process.execPath, '--single-threaded', '--hash-seed=7', '--random-seed=7', compiled.file], {
    env: { ...process.env, PORT: String(port), NODE_ENV: 'production', REGISTER_TASK: 'noop' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitUp();
    // Warm up the way the bench's servers run: one process serves all four routes in turn, so the
    // JIT sees every route's types before the measured window (ERRAND_BENCH_WARM=same: this one only).
    const warmRoutes = process.env.ERRAND_BENCH_WARM === 'same' ? [route, route] : [...routes.filter((r) => r !== route), route, route];
    for (const warm of warmRoutes) await send(warm, count);
    sh('callgrind_control', ['-z', String(child.pid)]);
    await send(route, count);
    sh('callgrind_control', ['-d', String(child.pid)]);
    return totalOf(dir) / count;
  } catch (error) {
    throw new Error(`${server} ${route.key}: ${error instanceof Error ? error.message : String(error)}\n${stderr.slice(-2000)}`);
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    // ERRAND_BENCH_KEEP=1 keeps the dump for `callgrind_annotate` (its folder is printed).
    if (process.env.ERRAND_BENCH_KEEP === '1') console.error(`callgrind dump kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const servers = serverArg.split(',');
for (const key of routeArg.split(',')) {
  const route = routes.find((r) => r.key === key);
  if (route === undefined) throw new Error(`unknown route ${key}; one of ${routes.map((r) => r.key).join(', ')}`);
  const counts: number[] = [];
  for (const server of servers) counts.push(await measure(server, route));
  const cells = servers.map((server, i) => `${server} ${Math.round(counts[i]).toLocaleString('en-US')}`).join('  ');
  const ratio = counts.length === 2 ? `  ratio ${(counts[1] / counts[0]).toFixed(3)}` : '';
  console.log(`${route.label.padEnd(24)} instructions/request: ${cells}${ratio}`);
}
