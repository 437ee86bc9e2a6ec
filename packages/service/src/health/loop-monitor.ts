// Watches the event loop by scheduling a timer every `sampleMs` and measuring how late it
// fires. The lateness feeds the event-loop-delay histogram, and liveness: a process whose loop
// was blocked past `maxBlockMs` within the last `windowMs` is not able to serve, whatever its
// dependencies say. Liveness never looks at dependencies.

export interface LoopMonitorOptions {
  sampleMs: number;
  maxBlockMs: number;
  windowMs: number;
  onSample?: (lagMs: number) => void;
  now?: () => number;
}

export class LoopMonitor {
  readonly #opts: Required<Omit<LoopMonitorOptions, 'onSample'>> & Pick<LoopMonitorOptions, 'onSample'>;
  #timer: NodeJS.Timeout | undefined;
  #expected = 0;
  /** Time and size of the last lateness over the threshold. */
  #lastBlockAt = -Infinity;
  #lastBlockMs = 0;
  #maxLagMs = 0;

  constructor(opts: LoopMonitorOptions) {
    this.#opts = { now: () => performance.now(), ...opts };
  }

  start(): void {
    if (this.#timer) return;
    this.#expected = this.#opts.now() + this.#opts.sampleMs;
    this.#tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const delay = Math.max(0, this.#expected - this.#opts.now());
    this.#timer = setTimeout(() => {
      const now = this.#opts.now();
      this.record(now - this.#expected, now);
      this.#expected = now + this.#opts.sampleMs;
      this.#tick();
    }, delay);
    this.#timer.unref();
  }

  /** Feeds one lateness sample (exposed for tests with a fake clock). */
  record(lagMs: number, now: number): void {
    const lag = Math.max(0, lagMs);
    this.#opts.onSample?.(lag);
    if (lag > this.#maxLagMs) this.#maxLagMs = lag;
    if (lag > this.#opts.maxBlockMs) {
      this.#lastBlockAt = now;
      this.#lastBlockMs = lag;
    }
  }

  /** Live unless the loop was blocked past the threshold within the window. */
  live(now = this.#opts.now()): { ok: boolean; lastBlockMs: number | null; maxLagMs: number } {
    const recent = now - this.#lastBlockAt <= this.#opts.windowMs;
    return { ok: !recent, lastBlockMs: recent ? Math.round(this.#lastBlockMs) : null, maxLagMs: Math.round(this.#maxLagMs) };
  }
}
