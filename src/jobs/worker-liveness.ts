import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import type { LivenessSpec, LivenessWriterModule } from './backend.js';

/** Options of {@link startLiveness}. */
export interface LivenessOptions {
  spec: LivenessSpec;
  workerId: string;
  intervalMs: number;
  ttlMs: number;
  /**
   * Validity of the first record, written from the main thread before the thread runs (booting a
   * thread can take seconds on a loaded machine): long enough for the thread to take over, and no
   * longer than the worker's leases, which bound it anyway.
   */
  firstTtlMs: number;
  /** Told when the thread cannot beat (the record then lapses and this worker's jobs may be taken back). */
  onError: (error: Error) => void;
}

/** A running liveness thread. */
export interface Liveness {
  /** True once a beat was stored, while the thread runs: claims may then say `liveness: true`. */
  readonly beating: boolean;
  /**
   * Resolves at the thread's own first beat, or when the thread gave up (then `beating` stays false).
   * Not at the first record written from the main thread: a worker that claimed then and blocked
   * its event loop (a synchronous handler) before the thread booted would renew nothing, and its
   * job would be taken back `ttlMs` later though the worker is alive.
   */
  readonly ready: Promise<void>;
  /** Stops beating and deletes the record; resolves when the thread is gone. */
  stop(): Promise<void>;
}

/** Writes the worker's first liveness record from the calling thread, on a short-lived writer. */
async function firstBeat(options: LivenessOptions): Promise<void> {
  const module = (await import(options.spec.moduleUrl)) as LivenessWriterModule;
  const writer = await module.createLivenessWriter(options.spec.config);
  try {
    await writer.beat(options.workerId, options.firstTtlMs);
  } finally {
    await writer.close();
  }
}

type ThreadMessage = { type: 'beat'; at: number } | { type: 'error'; message: string } | { type: 'stopped' };

/** How the thread is started: its entry (a file, or code to evaluate) and the writer module it imports. */
interface ThreadEntry {
  entry: URL | string;
  eval: boolean;
  moduleUrl: string;
}

/**
 * The compiled copy of source file `url` in `compiledDir`, a copy of this package's tree compiled to
 * JavaScript (src/jobs/x.ts → <compiledDir>/src/jobs/x.js), when there is one.
 */
function compiledCopy(compiledDir: string, url: string): string | undefined {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return undefined;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const path = relative(root, fileURLToPath(url));
  if (path.startsWith('..') || isAbsolute(path)) return undefined;
  const compiled = join(compiledDir, path.replace(/\.ts$/, '.js'));
  return existsSync(compiled) ? pathToFileURL(compiled).href : undefined;
}

/**
 * The thread's entry. Built: `liveness-thread.js` itself. From the TypeScript sources (development,
 * tests), a loader inherited through `--import` does not reach a worker thread on every Node version,
 * so a one-line bootstrap registers tsx in the thread, then imports the source: over a second of CPU
 * per thread, loading tsx and esbuild. `ERRAND_COMPILED_TESTS` names a directory that holds this
 * package's sources compiled to JavaScript in the same layout (vitest's global setup makes one per
 * run, test/setup/compile-fixtures.ts): the thread then runs the compiled copies of itself and of the
 * backend's writer module, without tsx, when both are there.
 */
function threadEntry(moduleUrl: string): ThreadEntry {
  if (!import.meta.url.endsWith('.ts')) return { entry: new URL('./liveness-thread.js', import.meta.url), eval: false, moduleUrl };
  const source = new URL('./liveness-thread.ts', import.meta.url).href;
  const compiledDir = process.env.ERRAND_COMPILED_TESTS;
  if (compiledDir !== undefined && compiledDir !== '') {
    const thread = compiledCopy(compiledDir, source);
    const writer = compiledCopy(compiledDir, moduleUrl);
    if (thread !== undefined && writer !== undefined) return { entry: new URL(thread), eval: false, moduleUrl: writer };
  }
  return { entry: `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`, eval: true, moduleUrl };
}

/**
 * Starts a worker's liveness thread: a worker_threads thread with its own event loop and its own
 * connection to the backend, writing the worker's liveness record every `intervalMs`, valid for
 * `ttlMs`. It keeps beating while the main thread is blocked (a synchronous handler, a GC pause), so
 * a lapsed record means the process is gone (or the thread could not reach the backend for `ttlMs`),
 * and other workers take its jobs back at once instead of waiting out their leases.
 *
 * @example
 * const liveness = startLiveness({ spec, workerId, intervalMs: 500, ttlMs: 3_000, onError })
 * await liveness.ready
 */
export function startLiveness(options: LivenessOptions): Liveness {
  const { entry, eval: isCode, moduleUrl } = threadEntry(options.spec.moduleUrl);
  const thread = new Thread(entry, {
    eval: isCode,
    workerData: { moduleUrl, config: options.spec.config, workerId: options.workerId, intervalMs: options.intervalMs, ttlMs: options.ttlMs },
  });
  // The thread never keeps a process alive on its own: stop() ends it, and so does process exit.
  thread.unref();
  let beating = false;
  let threadBeating = false;
  let alive = true;
  let markReady = (): void => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let markStopped = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  thread.on('message', (message: ThreadMessage) => {
    if (message.type === 'beat') {
      threadBeating = true;
      clearInterval(bridge);
      beating = alive;
      markReady();
    } else if (message.type === 'error') options.onError(new Error(`liveness thread of worker ${options.workerId}: ${message.message}`));
    else markStopped();
  });
  thread.on('error', (error) => options.onError(error));
  thread.on('exit', () => {
    alive = false;
    beating = false;
    clearInterval(bridge);
    markReady();
    markStopped();
  });
  // Until the thread's own first beat (booting it can take seconds on a loaded machine), the main
  // thread renews the record every interval with the normal validity: a worker killed in that window
  // has its jobs taken back about `ttlMs` later, not `firstTtlMs` later.
  const bridge = setInterval(() => {
    if (!threadBeating && alive) writeHere(options.ttlMs);
  }, options.intervalMs);
  bridge.unref();
  // Records being written from this thread: stop() waits for them, or one would land after the
  // thread deleted the record, and the stopped worker would show as alive until it lapsed.
  const writing = new Set<Promise<void>>();
  function writeHere(ttlMs: number): void {
    const write = firstBeat({ ...options, firstTtlMs: ttlMs }).then(
      () => {
        beating = alive;
      },
      (error: unknown) => options.onError(error instanceof Error ? error : new Error(String(error))),
    );
    writing.add(write);
    void write.finally(() => writing.delete(write));
  }
  // The first record, from here: the worker shows as alive (dashboard, `listWorkers`) while the
  // thread boots. Claims still wait for `ready`, the thread's own first beat.
  writeHere(options.firstTtlMs);
  let stopping: Promise<void> | undefined;
  return {
    get beating() {
      return beating;
    },
    ready,
    stop() {
      stopping ??= (async () => {
        clearInterval(bridge);
        beating = false;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)));
        await Promise.race([Promise.all(writing), giveUp]);
        if (alive) thread.postMessage('stop');
        await Promise.race([stopped, giveUp]);
        clearTimeout(timer);
        await thread.terminate();
      })();
      return stopping;
    },
  };
}
