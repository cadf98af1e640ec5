import type { ErrandLogger } from '../logging/errand-logger.js';

/** The fields of one refusal's log line. */
export interface RefusalFields {
  status: number;
  code: string;
  instance: string | undefined;
}

interface Window {
  refused: number;
  status: number;
}

/**
 * Logs expected refusals (503 ERRAND_OVERLOADED, ERRAND_SHUTTING_DOWN) at `warn` without flooding:
 * the first refusal of a code is logged at once, on the request's logger (with its request id);
 * the ones after it are counted, and one summary line per interval gives the count, on the
 * registry's logger. A code with no refusal for a whole interval is logged at once again on its
 * next one. Summaries still due when the process exits (a shutdown refusing requests until the
 * end) are written at exit. Every refusal is still counted by the runner's stats.
 *
 * Under overload a line per refused request would make refusing cost more than serving (at 15k
 * refusals a second, 18 MB of log a second) and bury everything else in the log.
 */
export class RefusalLog {
  readonly #windows = new Map<string, Window>();

  constructor(
    private readonly summaryLogger: ErrandLogger,
    /** @default 1000 */
    private readonly intervalMs = 1000,
  ) {}

  /** Logs one refusal at once, or counts it for the summary of the current interval. */
  refused(logger: ErrandLogger, fields: RefusalFields, message: string): void {
    const window = this.#windows.get(fields.code);
    if (window !== undefined) {
      window.refused++;
      return;
    }
    logger.warn(fields, message);
    this.#open(fields.code, fields.status);
  }

  #open(code: string, status: number): void {
    this.#windows.set(code, { refused: 0, status });
    // Unref'd: a summary due never keeps a process alive that has nothing else to do. The exit
    // hook writes what is due when the process ends first.
    setTimeout(summarize, this.intervalMs, this, code).unref();
    dueAtExit(this);
  }

  /** Writes every summary due now (called at process exit). */
  flush(): void {
    for (const code of [...this.#windows.keys()]) this.summarize(code, false);
  }

  /** Called by the interval's timer: writes the code's summary, if any refusal was counted. */
  summarize(code: string, reopen = true): void {
    const window = this.#windows.get(code);
    this.#windows.delete(code);
    if (this.#windows.size === 0) notDueAtExit(this);
    if (window === undefined || window.refused === 0) return;
    try {
      this.summaryLogger.warn({ status: window.status, code, refused: window.refused, intervalMs: this.intervalMs }, `${window.refused} more requests refused with ${code} in the last ${this.intervalMs} ms`);
    } catch {
      // A broken logger must not throw from a timer.
    }
    // Still refusing: keep one line per interval until an interval passes without a refusal.
    if (reopen) this.#open(code, window.status);
  }
}

// The logs with a summary due, written by one exit hook for all (not a listener per registry).
const due = new Set<RefusalLog>();
let hooked = false;

function dueAtExit(log: RefusalLog): void {
  due.add(log);
  if (hooked) return;
  hooked = true;
  // Prepended: loggers flush their buffers in their own exit listeners (pino does), which must run
  // after these lines were written.
  process.prependOnceListener('exit', () => {
    for (const pending of due) pending.flush();
  });
}

function notDueAtExit(log: RefusalLog): void {
  due.delete(log);
}

function summarize(log: RefusalLog, code: string): void {
  log.summarize(code);
}
