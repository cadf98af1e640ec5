/** A request's admission: what it may write, and the hand-back of its reservation once it is done. */
export interface Admission {
  /** Gives the reserved bytes back (once the upload is on disk, where measurements count it, or gone). Idempotent. */
  release(): void;
}

interface Waiting {
  bytes: number;
  admit: (admission: Admission | undefined) => void;
}

interface Round {
  waiting: Waiting[];
}

/**
 * This process's account of the data directory against its cap: the bytes measured on disk plus the
 * bytes reserved by uploads still being received, which the disk shows only partly.
 *
 * Requests are admitted in rounds: one measurement at a time, taken with the reservations of that
 * moment, and every request that arrived meanwhile is judged against it in arrival order, each
 * admitted one adding its reservation before the next is judged. So two uploads can never both be
 * given the same room. A file partly written when measured is counted twice (on disk and by its
 * reservation), never less than it will be: the account errs on the side of refusing. Releases
 * between rounds lower the next round's total, when the file is complete on disk.
 *
 * Counted by each process: several processes (`--workers N`) each admit against the same disk, so
 * the directory may pass the cap by what the others are receiving at that moment.
 */
export class StorageLedger {
  #reserved = 0;
  #round: Round | undefined;
  readonly #maxBytes: number;
  readonly #measure: () => Promise<number>;

  constructor(maxBytes: number, measure: () => Promise<number>) {
    this.#maxBytes = maxBytes;
    this.#measure = measure;
  }

  /** Bytes reserved by admitted requests not yet released. */
  get reserved(): number {
    return this.#reserved;
  }

  /**
   * Admits a request that will write at most `bytes` (0: a request whose writes are too small to
   * reserve, admitted while the directory is below the cap). Resolves `undefined` when the bytes
   * measured plus those reserved plus `bytes` would pass the cap, or the cap is already reached.
   */
  admit(bytes: number): Promise<Admission | undefined> {
    return new Promise((admit) => this.#currentRound().waiting.push({ bytes, admit }));
  }

  #currentRound(): Round {
    if (this.#round !== undefined) return this.#round;
    const round: Round = { waiting: [] };
    this.#round = round;
    const reservedAtStart = this.#reserved;
    const judge = (measured: number): void => this.#judge(round, measured + reservedAtStart);
    void this.#measure().then(judge, () => judge(Number.POSITIVE_INFINITY));
    return round;
  }

  // Synchronous from here to the end: no other round starts, no admission interleaves.
  #judge(round: Round, total: number): void {
    this.#round = undefined;
    let counted = total;
    for (const { bytes, admit } of round.waiting) {
      if (counted >= this.#maxBytes || counted + bytes > this.#maxBytes) {
        admit(undefined);
        continue;
      }
      counted += bytes;
      this.#reserved += bytes;
      admit(this.#reservation(bytes));
    }
  }

  #reservation(bytes: number): Admission {
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.#reserved -= bytes;
      },
    };
  }
}
