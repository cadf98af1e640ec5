/**
 * Celery as a peer of errand's Redis jobs, on the same Redis: Debian's python3-celery and
 * python3-redis for /usr/bin/python3 (a pyenv shim may shadow `python3` on PATH), or the python in
 * ERRAND_BENCH_PYTHON. The worker is prefork with one process per core, Celery's usual setting for
 * short tasks; the rate is taken between the first and the last task execution, so worker boot and
 * publishing are excluded, as for errand and BullMQ.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const here = dirname(fileURLToPath(import.meta.url));

/** What to print when Celery cannot run here. */
export const celeryHint = 'Celery peer skipped: no python3 with celery and redis. Install them with `apt-get install -y python3-celery python3-redis`, or point ERRAND_BENCH_PYTHON at a python that has them.';

/** A python that imports celery and redis, with Celery's version; null when none does. */
export function findCelery(): { python: string; version: string } | null {
  for (const python of [process.env.ERRAND_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c)) {
    const probe = spawnSync(python, ['-c', 'import celery, redis; print(celery.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
  }
  return null;
}

/** Publishes `jobs` no-op tasks, runs a Celery worker until all ran, returns the processing rate (jobs/s). */
export async function measureCelery(python: string, redisUrl: string, jobs: number, queue: string): Promise<number> {
  const env = { ...process.env, BENCH_REDIS_URL: redisUrl, BENCH_QUEUE: queue, BENCH_TOTAL: String(jobs) };
  const publish = spawnSync(python, ['celery_bench.py', 'enqueue'], { cwd: here, env, encoding: 'utf8' });
  if (publish.status !== 0) throw new Error(`celery publish failed: ${publish.stderr}`);
  const worker = spawn(python, ['-m', 'celery', '-A', 'celery_bench', 'worker', '-c', String(availableParallelism()), '-P', 'prefork', '--without-gossip', '--without-mingle', '--without-heartbeat', '-l', 'warning'], { cwd: here, env, stdio: 'ignore' });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const deadline = performance.now() + 300_000;
    while ((await redis.get(`${queue}:last`)) === null) {
      if (performance.now() > deadline) throw new Error('celery worker did not finish within 300 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [first, last] = await Promise.all([redis.get(`${queue}:first`), redis.get(`${queue}:last`)]);
    return (jobs - 1) / (Number(last) - Number(first));
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    await redis.del(queue, `${queue}:done`, `${queue}:first`, `${queue}:last`, '_kombu.binding.' + queue);
    await redis.quit();
  }
}
