import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { routes, type BenchRoute } from './http/routes.js';
import { compiledServer } from './lib/build-servers.js';
import { freePort } from './lib/server-process.js';

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
 * (keep-alive, 4 in flight) and the counters dumped. The window's instructions are divided by the
 * requests the server handled inside it, counted in the server process (http/servers/request-counter.ts,
 * preloaded, read over IPC at the window's edges), not by the requests this script meant to send:
 * a window once held 1,803 requests for 1,000 sent, another run's client hitting the same fixed port.
 * Each server listens on a port of its own (a free one; ERRAND_BENCH_PORT fixes it).
 *
 * ERRAND_BENCH_SPLIT=1 also prints how much of the window was V8's optimizing compiler (TurboFan,
 * compiling functions that tiered up inside the window) and the major GC (incremental marking,
 * mark-compact, sweeping), read from callgrind_annotate: at a load of 30 these were 39-70 % of a
 * 300- to 600-request window and differed between two servers by more than the servers' own code did.
 * ERRAND_BENCH_FAST_WARMUP=1 runs the start and the warm-up without instrumentation (callgrind's
 * --instr-atstart=no, switched on before the window): several times faster on a loaded machine,
 * the same guest code, but its counts are compared only with counts taken the same way.
 */

const [serverArg = 'errand-hono,hono', routeArg = 'items,error,notfound,register', countArg = '4000'] = process.argv.slice(2);
const count = Number(countArg);
// ERRAND_BENCH_WARMUP: requests per warm-up round (default: as many as are measured). V8 tiers a small
// function up to TurboFan after thousands of calls of its own (a function called once per request,
// not inlined into an optimized caller, stays in the baseline tier for the first few thousand
// requests), so windows after short warm-ups hold baseline code and compiles that a server under
// real load has long left behind.
const warmCount = Number(process.env.ERRAND_BENCH_WARMUP ?? count);
// ERRAND_BENCH_PORT: a fixed port; otherwise each server gets a free one, so runs in two worktrees never share one.
const fixedPort = process.env.ERRAND_BENCH_PORT === undefined ? undefined : Number(process.env.ERRAND_BENCH_PORT);

function sh(command: string, args: string[]): string {
  // callgrind_annotate lists every function of the window: about 1 MB for a 500-request /register.
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

async function send(port: number, route: BenchRoute, total: number): Promise<void> {
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

/** Resolves when `child` has exited and closed its pipes; made at spawn, so a child that died early is not waited for forever. */
function closedOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    // valgrind missing or not executable: no `close` follows an `error` of spawn.
    child.once('error', () => resolve());
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitUp(port: number, child: ChildProcess): Promise<void> {
  // Up to 10 minutes: on a loaded machine node takes minutes to start under valgrind.
  for (let i = 0; i < 3000; i++) {
    if (exited(child)) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before it answered`);
    try {
      await send(port, { ...routes[0], request: { method: 'GET', path: '/items/up' } }, 1);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error('the server did not come up under valgrind');
}

/** The requests the server process has handled so far (request-counter.ts, over IPC). */
function handledBy(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    // As long as the start: a loaded machine under valgrind answers in seconds, not minutes.
    const timer = setTimeout(() => settle(new Error('the server did not say how many requests it handled within 10 minutes')), 600_000);
    const onMessage = (message: unknown): void => {
      const handled = (message as { handled?: unknown } | null)?.handled;
      if (typeof handled === 'number') settle(handled);
    };
    const onExit = (): void => settle(new Error('the server exited before it said how many requests it handled'));
    function settle(outcome: number | Error): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (typeof outcome === 'number') resolve(outcome);
      else reject(outcome);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (exited(child) || !child.send('requests handled')) onExit();
  });
}

/** What of a dump's instructions was TurboFan compiling and the major GC (both summed over callgrind_annotate's functions). */
interface Split {
  compiler: number;
  majorGc: number;
}

function splitOf(dir: string): Split {
  const split: Split = { compiler: 0, majorGc: 0 };
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.1'))) {
    for (const line of sh('callgrind_annotate', ['--threshold=100', '--auto=no', join(dir, name)]).split('\n')) {
      const match = /^\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$/.exec(line);
      if (match === null || match[2].includes('PROGRAM TOTALS')) continue;
      const count = Number(match[1].replaceAll(',', ''));
      if (match[2].includes('v8::internal::compiler::')) split.compiler += count;
      else if (/MarkCompact|Marking|Sweeper|MarkingBarrier/.test(match[2])) split.majorGc += count;
    }
  }
  return split;
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

async function measure(server: string, route: BenchRoute): Promise<{ total: number; split?: Split }> {
  const compiled = compiledServer(server);
  if ('missing' in compiled) throw new Error(compiled.missing);
  const counter = compiledServer('request-counter');
  if ('missing' in counter) throw new Error(counter.missing);
  const port = fixedPort ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'errand-callgrind-'));
  const fastWarmup = process.env.ERRAND_BENCH_FAST_WARMUP === '1';
  const node = [process.execPath, '--single-threaded', '--hash-seed=7', '--random-seed=7', '--import', pathToFileURL(counter.file).href, compiled.file];
  const child = spawn('valgrind', ['--tool=callgrind', ...(fastWarmup ? ['--instr-atstart=no'] : []), '--smc-check=all-non-file', `--callgrind-out-file=${dir}/cg.%p`, ...node], {
    env: { ...process.env, PORT: String(port), NODE_ENV: 'production', REGISTER_TASK: process.env.REGISTER_TASK ?? 'noop' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const closed = closedOf(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitUp(port, child);
    // The answer came from this server, not from another one listening on the port.
    if ((await handledBy(child)) === 0) throw new Error(`another process answers on port ${port}`);
    // Warm up the way the bench's servers run: one process serves all four routes in turn, so the
    // JIT sees every route's types before the measured window (ERRAND_BENCH_WARM=same: this one only).
    const warmRoutes = process.env.ERRAND_BENCH_WARM === 'same' ? [route, route] : [...routes.filter((r) => r !== route), route, route];
    for (const warm of warmRoutes) await send(port, warm, warmCount);
    if (fastWarmup) sh('callgrind_control', ['-i', 'on', String(child.pid)]);
    const before = await handledBy(child);
    sh('callgrind_control', ['-z', String(child.pid)]);
    await send(port, route, count);
    sh('callgrind_control', ['-d', String(child.pid)]);
    const handled = (await handledBy(child)) - before;
    // A resent request (ECONNRESET above) or a stranger's: said, and divided by all the same.
    if (handled !== count) console.error(`${server} ${route.key}: the server handled ${handled} requests in the window for ${count} sent; dividing by ${handled}`);
    if (handled <= 0) throw new Error('the server handled no request in the window');
    const total = totalOf(dir) / handled;
    if (process.env.ERRAND_BENCH_SPLIT !== '1') return { total };
    const { compiler, majorGc } = splitOf(dir);
    return { total, split: { compiler: compiler / handled, majorGc: majorGc / handled } };
  } catch (error) {
    throw new Error(`${server} ${route.key}: ${error instanceof Error ? error.message : String(error)}\n${stderr.slice(-2000)}`);
  } finally {
    child.kill('SIGKILL');
    await closed;
    // ERRAND_BENCH_KEEP=1 keeps the dump for `callgrind_annotate` (its folder is printed).
    if (process.env.ERRAND_BENCH_KEEP === '1') console.error(`callgrind dump kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const servers = serverArg.split(',');
for (const key of routeArg.split(',')) {
  const route = routes.find((r) => r.key === key);
  if (route === undefined) throw new Error(`unknown route ${key}; one of ${routes.map((r) => r.key).join(', ')}`);
  const measured: { total: number; split?: Split }[] = [];
  for (const server of servers) measured.push(await measure(server, route));
  const counts = measured.map((m) => m.total);
  const cells = servers.map((server, i) => `${server} ${Math.round(counts[i]).toLocaleString('en-US')}`).join('  ');
  const ratio = counts.length === 2 ? `  ratio ${(counts[1] / counts[0]).toFixed(3)}` : '';
  console.log(`${route.label.padEnd(24)} instructions/request: ${cells}${ratio}`);
  if (measured.every((m) => m.split !== undefined)) {
    const rest = measured.map((m) => m.total - (m.split?.compiler ?? 0) - (m.split?.majorGc ?? 0));
    const round = (n: number): string => Math.round(n).toLocaleString('en-US');
    const parts = servers.map((server, i) => `${server} compiler ${round(measured[i].split?.compiler ?? 0)} major GC ${round(measured[i].split?.majorGc ?? 0)} rest ${round(rest[i])}`).join('  ');
    const restRatio = rest.length === 2 ? `  rest ratio ${(rest[1] / rest[0]).toFixed(3)}` : '';
    console.log(`${''.padEnd(24)} ${parts}${restRatio}`);
  }
}
