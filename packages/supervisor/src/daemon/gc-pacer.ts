// Bounded old-generation garbage in the daemon. V8 starts a major GC when the old generation
// reaches a limit that, on a heap as small as the daemon's (~7 MB live), it sets megabytes above
// the live set; under steady light activity (status polls, scrapes, restarts, programs writing)
// that limit was reached about once in ten minutes, and until then whatever got promoted out of
// the 1 MB young generation piled up with RSS (56 → 66 MB over 510 s in bench:supervisor's soak;
// most of it was the output tail, now a ring buffer: output-tail.ts). Measured without effect on
// that: --optimize-for-size, --memory-saver-mode, --heap-growing-percent=10. So the daemon runs
// with --expose-gc and, every `checkMs`, asks for a major GC once the heap has grown by
// `growthBytes` since the last one. An idle daemon never collects; the soak's activity triggers
// one every few minutes. One costs 15-30 ms of the event loop on this heap (--trace-gc 19-25 ms;
// 16 and 32 ms request → done in the 10-minute soak): far below 0.1% of a core.
// Without `gc` (node started without --expose-gc) there is nothing to do: V8's own schedule rules.
import type { Logger } from '../logger.ts';

export type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => unknown;

export interface GcPacerOptions {
  gc: GcFunction;
  /** V8 heap in use, bytes (process.memoryUsage().heapUsed). */
  heapUsed: () => number;
  /** Monotonic milliseconds, for the duration logged. */
  now: () => number;
  /** How often the heap is looked at. Default 15 s. */
  checkMs?: number;
  /** Growth since the last collection that triggers the next one. Default 1 MiB. */
  growthBytes?: number;
  log?: Logger;
}

export interface GcPacerStats {
  /** Major GCs this pacer asked for. */
  runs: number;
  /** Wall time of the last one, ms (for an async collection: request → done, an upper bound of the pause). */
  lastMs: number;
  totalMs: number;
}

const MiB = 1024 * 1024;

export class GcPacer {
  readonly stats: GcPacerStats = { runs: 0, lastMs: 0, totalMs: 0 };
  private readonly o: Required<Omit<GcPacerOptions, 'log'>> & { log?: Logger };
  /** heapUsed right after the last collection (or at start). */
  private baseline: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(o: GcPacerOptions) {
    this.o = { checkMs: 15_000, growthBytes: MiB, ...o };
    if (!(this.o.checkMs > 0) || !(this.o.growthBytes > 0))
      throw new RangeError(`GcPacer: checkMs and growthBytes must be positive (got ${this.o.checkMs}, ${this.o.growthBytes})`);
    this.baseline = o.heapUsed();
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.o.checkMs);
    // Never what keeps the daemon alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at the heap; collects when it grew enough. Resolves when that collection is done. */
  async check(): Promise<boolean> {
    if (this.running) return false;
    const before = this.o.heapUsed();
    // A collection V8 ran on its own leaves the heap below the baseline: start counting from there.
    if (before < this.baseline) this.baseline = before;
    if (before - this.baseline < this.o.growthBytes) return false;
    this.running = true;
    const t0 = this.o.now();
    try {
      // 'async' runs the collection from a task of its own, outside any JavaScript stack; where
      // it is not understood, gc() collects at once and returns undefined.
      await this.o.gc({ type: 'major', execution: 'async' });
    } finally {
      this.running = false;
    }
    const ms = this.o.now() - t0;
    const after = this.o.heapUsed();
    this.baseline = after;
    this.stats.runs++;
    this.stats.lastMs = ms;
    this.stats.totalMs += ms;
    this.o.log?.debug(
      { heapUsedBefore: before, heapUsedAfter: after, ms: Math.round(ms * 10) / 10 },
      'major GC (heap grew since the last one)',
    );
    return true;
  }
}

/** The daemon's pacer, when node was started with --expose-gc (DAEMON_NODE_FLAGS); else undefined. */
export function startDaemonGcPacer(log?: Logger): GcPacer | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') return undefined;
  const pacer = new GcPacer({
    gc: gc as GcFunction,
    heapUsed: () => process.memoryUsage().heapUsed,
    now: () => performance.now(),
    ...(log ? { log } : {}),
  });
  pacer.start();
  return pacer;
}
