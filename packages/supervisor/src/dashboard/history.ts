// The dashboard's chart history, kept in the daemon: every series holds the last hour at one
// sample a second and the last day at one sample a minute (the minute's mean), in two fixed
// Float32 rings. A series costs (3600 + 1440) × 4 B ≈ 20 KiB whatever happens, and there are at
// most `maxSeries` of them, so the whole history is bounded up front: 512 series ≤ 10.1 MiB.
// All series share one clock (the sampler's tick), so a ring slot is the same second for every
// series and timestamps are not stored per sample. A gap (no value that second) is NaN.

export const SECONDS = 3600;
export const MINUTES = 1440;
export const BYTES_PER_SERIES = (SECONDS + MINUTES) * 4;

class Series {
  readonly sec = new Float32Array(SECONDS).fill(NaN);
  readonly min = new Float32Array(MINUTES).fill(NaN);
  /** The current minute's running sum and count. */
  sum = 0;
  n = 0;
  /** Last tick this series got a value: a series nothing feeds for a day is dropped first. */
  lastTick = 0;
}

export interface SeriesWindow {
  /** Time of the first value (ms since the epoch). */
  start: number;
  /** Milliseconds between values. */
  step: number;
  /** Oldest first; null where there was no sample. */
  values: (number | null)[];
}

export class History {
  readonly maxSeries: number;
  private readonly series = new Map<string, Series>();
  /** Whole seconds since the epoch of the latest tick, and of the latest completed minute. */
  private tickSec = 0;
  private minuteNo = 0;
  private readonly written = new Set<Series>();

  constructor(maxSeries = 512) {
    this.maxSeries = maxSeries;
  }

  get size(): number {
    return this.series.size;
  }

  /** Bytes the rings hold (the bound of this history is maxSeries × BYTES_PER_SERIES). */
  get bytes(): number {
    return this.series.size * BYTES_PER_SERIES;
  }

  /** Starts the second `nowMs` falls in: values recorded until the next tick belong to it. */
  tick(nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    if (sec <= this.tickSec) return;
    // Seconds skipped (a stalled event loop) stay NaN: clear their slots.
    const gap = this.tickSec === 0 ? 1 : Math.min(sec - this.tickSec, SECONDS);
    for (const s of this.series.values()) for (let i = 1; i <= gap; i++) s.sec[(sec - gap + i) % SECONDS] = NaN;
    const minute = Math.floor(sec / 60);
    if (this.minuteNo !== 0 && minute !== this.minuteNo) this.closeMinutes(minute);
    this.minuteNo = minute;
    this.tickSec = sec;
    this.written.clear();
  }

  private closeMinutes(minute: number): void {
    const skipped = Math.min(minute - this.minuteNo, MINUTES);
    for (const s of this.series.values()) {
      s.min[this.minuteNo % MINUTES] = s.n > 0 ? s.sum / s.n : NaN;
      for (let m = 1; m < skipped; m++) s.min[(this.minuteNo + m) % MINUTES] = NaN;
      s.sum = 0;
      s.n = 0;
    }
  }

  /**
   * Records `value` for the current second (a second value in the same second replaces it in the hour
   * ring, and counts once in the minute).
   */
  record(id: string, value: number): void {
    if (!Number.isFinite(value) || this.tickSec === 0) return;
    let s = this.series.get(id);
    if (!s) {
      if (this.series.size >= this.maxSeries && !this.evict()) return;
      s = new Series();
      this.series.set(id, s);
    }
    s.sec[this.tickSec % SECONDS] = value;
    s.lastTick = this.tickSec;
    if (!this.written.has(s)) {
      this.written.add(s);
      s.sum += value;
      s.n++;
    }
  }

  /** Drops the series fed longest ago, if nothing fed it for a day. */
  private evict(): boolean {
    let oldest: [string, Series] | undefined;
    for (const e of this.series) if (!oldest || e[1].lastTick < oldest[1].lastTick) oldest = e;
    if (!oldest || this.tickSec - oldest[1].lastTick < 86_400) return false;
    this.series.delete(oldest[0]);
    return true;
  }

  /** Forgets series whose id starts with `prefix` (a program removed from the config). */
  drop(prefix: string): void {
    for (const id of this.series.keys()) if (id.startsWith(prefix)) this.series.delete(id);
  }

  ids(): string[] {
    return [...this.series.keys()];
  }

  latest(id: string): number | null {
    const s = this.series.get(id);
    const v = s?.sec[this.tickSec % SECONDS];
    return v === undefined || Number.isNaN(v) ? null : v;
  }

  /** The last `seconds` seconds (at most an hour) at 1 s, ending with the current second. */
  seconds(id: string, seconds = SECONDS): SeriesWindow | undefined {
    const s = this.series.get(id);
    if (!s) return undefined;
    const n = Math.min(Math.max(1, Math.floor(seconds)), SECONDS);
    const first = this.tickSec - n + 1;
    const values = new Array<number | null>(n);
    for (let i = 0; i < n; i++) {
      const v = s.sec[(first + i) % SECONDS]!;
      values[i] = Number.isNaN(v) ? null : round(v);
    }
    return { start: first * 1000, step: 1000, values };
  }

  /** The last `minutes` completed minutes (at most a day) at 1 min, each the mean of its seconds. */
  minutes(id: string, minutes = MINUTES): SeriesWindow | undefined {
    const s = this.series.get(id);
    if (!s) return undefined;
    const n = Math.min(Math.max(1, Math.floor(minutes)), MINUTES);
    const first = this.minuteNo - n;
    const values = new Array<number | null>(n);
    for (let i = 0; i < n; i++) {
      const v = s.min[(((first + i) % MINUTES) + MINUTES) % MINUTES]!;
      values[i] = Number.isNaN(v) ? null : round(v);
    }
    return { start: first * 60_000, step: 60_000, values };
  }
}

/** Four significant digits are all a chart shows; they keep the JSON short. */
function round(v: number): number {
  if (v === 0) return 0;
  const mag = Math.floor(Math.log10(Math.abs(v)));
  const f = 10 ** (3 - mag);
  return Math.round(v * f) / f;
}
