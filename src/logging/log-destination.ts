import { writeSync } from 'node:fs';

/** Options of {@link createLogDestination}. */
export interface LogDestinationOptions {
  /** The file descriptor written to. @default 1 (stdout) */
  fd?: number;
  /**
   * Bytes held while the sink does not take them (a full pipe nobody reads); lines past it are
   * dropped and counted, and a line saying how many is written once the sink takes bytes again.
   * @default 4_194_304 (4 MiB)
   */
  maxBufferedBytes?: number;
  /** How often held bytes are offered again to a sink that was full. @default 50 */
  retryMs?: number;
}

/** A pino destination that never blocks the process and never holds it at exit. */
export interface LogDestination {
  /** Takes one log line (pino calls this). */
  write(line: string): boolean;
  /** Offers what is held to the sink once more, without waiting, then calls `callback`. */
  flush(callback?: (error?: Error) => void): void;
  /** Lines dropped so far: the sink was gone, or held bytes were past `maxBufferedBytes`. */
  readonly dropped: number;
}

// Errors that mean "not now": the fd is non-blocking and the pipe (or socket) is full.
const busy = new Set(['EAGAIN', 'EWOULDBLOCK', 'EBUSY', 'EINTR']);

class Destination implements LogDestination {
  dropped = 0;
  readonly #fd: number;
  readonly #max: number;
  readonly #retryMs: number;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #gone = false;
  #retry: NodeJS.Timeout | undefined;
  #droppedSinceNotice = 0;

  constructor(options: LogDestinationOptions) {
    this.#fd = options.fd ?? 1;
    this.#max = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.#retryMs = options.retryMs ?? 50;
  }

  write(line: string): boolean {
    if (this.#gone || this.#heldBytes + line.length > this.#max) {
      this.dropped++;
      this.#droppedSinceNotice++;
      return true;
    }
    const bytes = Buffer.from(line, 'utf8');
    this.#held.push(bytes);
    this.#heldBytes += bytes.length;
    // Held bytes wait for their retry: writing now would put this line before them.
    if (this.#retry === undefined) this.#offer();
    return true;
  }

  flush(callback?: (error?: Error) => void): void {
    this.#offer();
    callback?.();
  }

  /**
   * Writes what is held, synchronously, until the sink would block: then a timer offers it again
   * later (never a sleep: a sink that does not read must not stop the event loop, or SIGTERM could
   * not even be handled). A sink that is gone (EPIPE: its reader closed) takes nothing more.
   */
  #offer(): void {
    this.#retry = undefined;
    for (;;) {
      if (this.#gone) return;
      if (this.#held.length === 0) {
        if (this.#droppedSinceNotice === 0) return;
        this.#notice();
      }
      const chunk = this.#held[0];
      let written: number;
      try {
        written = writeSync(this.#fd, chunk);
      } catch (error) {
        if (busy.has((error as NodeJS.ErrnoException).code ?? '')) return this.#later();
        return this.#giveUp();
      }
      this.#heldBytes -= written;
      if (written < chunk.length) this.#held[0] = chunk.subarray(written);
      else this.#held.shift();
    }
  }

  #later(): void {
    // Unref'd: held log lines never keep a process alive; the exit hook offers them a last time.
    this.#retry = setTimeout(() => this.#offer(), this.#retryMs);
    this.#retry.unref();
  }

  #giveUp(): void {
    this.#gone = true;
    this.dropped += this.#held.length;
    this.#held = [];
    this.#heldBytes = 0;
  }

  #notice(): void {
    const count = this.#droppedSinceNotice;
    this.#droppedSinceNotice = 0;
    const line = `${JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, dropped: count, msg: `${count} log lines were dropped: the log sink did not take them` })}\n`;
    const bytes = Buffer.from(line, 'utf8');
    this.#held.push(bytes);
    this.#heldBytes += bytes.length;
  }

  /** At exit: one last synchronous offer, stopping at the first refusal. Never waits. */
  atExit(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#offer();
  }
}

const open = new Set<Destination>();
let hooked = false;

// One exit listener for every destination. Appended: RefusalLog prepends its own, so summaries due
// at exit are written into these buffers first.
function offerAtExit(destination: Destination): void {
  open.add(destination);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const pending of open) pending.atExit();
  });
}

/**
 * A pino destination for logs that must never decide whether the process runs or exits. pino's
 * default (sonic-boom) retries a write the sink refuses forever at exit, sleeping in
 * `Atomics.wait` (EAGAIN while a pipe is full and unread, and EPIPE once its reader is gone): a
 * service whose log collector went away then never exits, even on repeated SIGTERM. This one
 * writes each line at once when the sink takes it, holds up to `maxBufferedBytes` (offered again by
 * an unref'd timer) while it does not, drops and counts lines beyond that, stops writing when the
 * sink is gone, and at exit offers what is held once, without waiting.
 *
 * For stdout and stderr it first asks Node for `process.stdout` / `process.stderr`: for a pipe or
 * a socket that sets the descriptor non-blocking, so a write to a full pipe fails with EAGAIN
 * instead of blocking the event loop.
 *
 * @example
 * const logger = pino({ level: 'info' }, createLogDestination());
 */
export function createLogDestination(options: LogDestinationOptions = {}): LogDestination {
  const fd = options.fd ?? 1;
  if (fd === 1) void process.stdout.fd;
  if (fd === 2) void process.stderr.fd;
  const destination = new Destination(options);
  offerAtExit(destination);
  return destination;
}
