// How many passes a flow rule allows per statIntervalMs right now. One small class per
// strategy behind this interface (direct.ts, warm-up.ts, memory-adaptive.ts).
export interface TokenCalculator {
  /** The threshold in force at `now`, in passes per statIntervalMs (or calls in flight). */
  threshold(now: number): number;
}
