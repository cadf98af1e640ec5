import type { JobBackend } from '../../src/jobs/backend.js';
import type { Worker } from '../../src/jobs/worker-options.js';

/**
 * What every worker process of the multi-process tests does once its worker is made: prints each
 * `worker:error` on stderr, starts the worker, prints the `{"event":"ready"}` line (with its pid)
 * its parent waits for once the worker sends claims (`worker:ready`: its liveness thread has beaten,
 * which takes seconds under tsx on a loaded machine; a crash run that counted a worker as ready
 * before then killed the claiming ones while the others booted, and a killed job waited up to 35 s
 * for a taker), and on SIGTERM stops the worker (5 s for running jobs), closes `backend`
 * and exits 0. The parent's SIGKILL is the crash; SIGTERM is the clean end of a run.
 */
export function runWorkerProcess(worker: Worker, backend: JobBackend): void {
  worker.on('worker:error', ({ error }) => void process.stderr.write(`worker error: ${error.message}\n`));
  worker.on('worker:ready', () => void process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`));
  worker.start();
  process.once('SIGTERM', () => {
    void worker
      .stop({ timeoutMs: 5_000 })
      .then(() => backend.close())
      .then(() => process.exit(0));
  });
}
