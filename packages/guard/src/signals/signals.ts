// The latest smoothed readings of the process's own load signals. The sampler (sampler.ts)
// writes them a few times a second; rules read plain numbers on the hot path. NaN means "not
// measured" (no sampler running, or the platform cannot tell).

export const SIGNAL_NAMES = [
  'eventLoopDelayP99Ms',
  'eventLoopUtilization',
  'heapUsedRatio',
  'rssRatio',
  'cpuUsage',
  'inboundQps',
  'inboundAvgRtMs',
  'inboundConcurrency',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** One raw reading per signal; a missing or NaN entry is "unknown". */
export type SignalReadings = Partial<Record<SignalName, number>>;

export class SystemSignals {
  eventLoopDelayP99Ms = NaN;
  eventLoopUtilization = NaN;
  heapUsedRatio = NaN;
  rssRatio = NaN;
  cpuUsage = NaN;
  inboundQps = NaN;
  inboundAvgRtMs = NaN;
  inboundConcurrency = NaN;
  /** Clock time of the last update; NaN before the first. */
  at = NaN;

  /**
   * Folds raw readings in with an exponentially weighted moving average: `alpha` is the weight
   * of a falling reading, `attack` of a rising one (1 = no smoothing). Smoothing keeps one noisy
   * sample (a GC pause, a CPU spike) from flipping shedding on and off (the jitter users report
   * against sentinel's CPU check); rising faster than falling arms protection before an
   * overload has queued much, and lets go only once the relief is real.
   */
  update(readings: SignalReadings, alpha: number, now: number, attack = alpha): void {
    for (const name of SIGNAL_NAMES) {
      const v = readings[name];
      if (v === undefined || Number.isNaN(v)) continue;
      const prev = this[name];
      this[name] = Number.isNaN(prev) ? v : prev + (v > prev ? attack : alpha) * (v - prev);
    }
    this.at = now;
  }

  snapshot(): Record<SignalName, number> {
    const out = {} as Record<SignalName, number>;
    for (const name of SIGNAL_NAMES) out[name] = this[name];
    return out;
  }
}
