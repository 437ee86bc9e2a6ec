// How much of the daemon's time mining may take. The daemon runs without an optimising compiler
// (--lite-mode, for its resident memory), where the miner reads about 20,000 lines per second of
// one core; a program writing faster than that must not take the daemon's event loop with it.
// So mining gets a share of each second of CPU: within it a chunk is mined, past it the chunk
// is shed (counted, and the line it cuts dropped) and written to the log file as always. While
// two or more programs write, one program gets at most half the share, so a flood in one
// program does not blind the miner to the others. Pure: the caller measures and charges.

const WINDOW_MS = 1000;

export class MiningBudget {
  /** Milliseconds of mining allowed per second. */
  readonly perWindowMs: number;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #spent = 0;
  #byProgram = new Map<string, number>();
  /** Programs charged in the window before this one: "others write too". */
  #lastActive = 0;

  constructor(share: number, now: () => number) {
    this.perWindowMs = share * WINDOW_MS;
    this.#now = now;
  }

  /** Whether `program` may mine a chunk now. */
  allow(program: string): boolean {
    this.#roll();
    if (this.#spent >= this.perWindowMs) return false;
    const mine = this.#byProgram.get(program) ?? 0;
    if (mine < this.perWindowMs / 2) return true;
    // Over half: only while nobody else is writing.
    const others = this.#byProgram.size - (this.#byProgram.has(program) ? 1 : 0);
    return others === 0 && this.#lastActive <= 1;
  }

  /** Records `ms` of mining by `program`. */
  charge(program: string, ms: number): void {
    this.#roll();
    this.#spent += ms;
    this.#byProgram.set(program, (this.#byProgram.get(program) ?? 0) + ms);
  }

  #roll(): void {
    const now = this.#now();
    if (now - this.#windowStart < WINDOW_MS) return;
    this.#lastActive = now - this.#windowStart < 2 * WINDOW_MS ? this.#byProgram.size : 0;
    this.#windowStart = now;
    this.#spent = 0;
    this.#byProgram = new Map();
  }
}
