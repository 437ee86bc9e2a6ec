// The daemon's compact metrics store: per scrape target a ring of `slots` scrapes. Every series
// of a target shares the target's ring of scrape times, so a sample costs one Float64 (8 bytes)
// and its time is not stored again; a series absent from a scrape holds NaN there. Memory is
// fixed by two numbers chosen up front: slots (retention / scrape interval) and maxSeries, so
// the bound is maxSeries × slots × 8 bytes plus each series' labels, whatever the programs do.
// A series gone for a whole ring is dropped; a target gone for a whole ring is dropped.
// Pure data: times are passed in, nothing here reads a clock or a socket.

export interface RingStoreOptions {
  /** Scrapes kept per target (and samples per series). */
  slots: number;
  /** Series kept in all; a scrape that would add more is cut there and counted in `dropped`. */
  maxSeries: number;
}

export class RingSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly key: string;
  /** One value per slot of its target's ring; NaN where the series was absent. */
  readonly values: Float64Array;
  /** Sequence number of the scrape that first (and last) returned it. */
  firstSeq = 0;
  lastSeq = 0;

  constructor(name: string, labels: Readonly<Record<string, string>>, key: string, slots: number) {
    this.name = name;
    this.labels = labels;
    this.key = key;
    this.values = new Float64Array(slots).fill(NaN);
  }
}

export class TargetRing {
  readonly target: string;
  readonly program: string;
  readonly slots: number;
  /** Start time of each slot's scrape, ms since the epoch (0: never used). */
  readonly times: Float64Array;
  /** 1 where the slot's scrape succeeded. */
  readonly ok: Uint8Array;
  /** Scrapes begun; the newest is in slot (seq - 1) % slots. */
  seq = 0;
  /** Sequence number of the first successful scrape (0: none yet). */
  firstOkSeq = 0;
  readonly series = new Map<string, RingSeries>();
  /** The last scrape's error, and how many failed in a row. */
  lastError: string | undefined;
  failures = 0;

  constructor(target: string, program: string, slots: number) {
    this.target = target;
    this.program = program;
    this.slots = slots;
    this.times = new Float64Array(slots);
    this.ok = new Uint8Array(slots);
  }

  slotOf(seq: number): number {
    return (seq - 1) % this.slots;
  }

  /** The oldest scrape still held. */
  get oldestSeq(): number {
    return Math.max(1, this.seq - this.slots + 1);
  }

  /** Time of the newest scrape (0: none). */
  get lastTime(): number {
    return this.seq === 0 ? 0 : this.times[this.slotOf(this.seq)]!;
  }
}

/** A stable key for a series: its name and its labels sorted by name. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  let k = name;
  for (const n of names) k += `\xff${n}\xfe${labels[n]}`;
  return k;
}

export class RingStore {
  readonly slots: number;
  readonly maxSeries: number;
  readonly #targets = new Map<string, TargetRing>();
  #series = 0;
  /** Samples not stored because maxSeries was reached. */
  dropped = 0;
  /** Set when a series was ever cut: its first samples may be missing. */
  truncated = false;

  constructor(o: RingStoreOptions) {
    if (!Number.isInteger(o.slots) || o.slots < 2) throw new RangeError(`slots must be a whole number of at least 2, got ${o.slots}`);
    if (!Number.isInteger(o.maxSeries) || o.maxSeries < 1)
      throw new RangeError(`maxSeries must be a positive whole number, got ${o.maxSeries}`);
    this.slots = o.slots;
    this.maxSeries = o.maxSeries;
  }

  get seriesCount(): number {
    return this.#series;
  }

  targets(): IterableIterator<TargetRing> {
    return this.#targets.values();
  }

  target(id: string): TargetRing | undefined {
    return this.#targets.get(id);
  }

  /** Starts a scrape of `target` at `t`: a new slot, every series absent from it until set. */
  begin(target: string, program: string, t: number): TargetRing {
    let ring = this.#targets.get(target);
    if (!ring || ring.program !== program) {
      if (ring) this.#drop(ring);
      ring = new TargetRing(target, program, this.slots);
      this.#targets.set(target, ring);
    }
    ring.seq++;
    const slot = ring.slotOf(ring.seq);
    ring.times[slot] = t;
    ring.ok[slot] = 0;
    for (const s of ring.series.values()) s.values[slot] = NaN;
    return ring;
  }

  /** One sample of the scrape begun last on `ring`. */
  put(ring: TargetRing, name: string, labels: Readonly<Record<string, string>>, value: number): void {
    const key = seriesKey(name, labels);
    let s = ring.series.get(key);
    if (!s) {
      if (this.#series >= this.maxSeries) {
        this.dropped++;
        this.truncated = true;
        return;
      }
      s = new RingSeries(name, labels, key, this.slots);
      s.firstSeq = ring.seq;
      ring.series.set(key, s);
      this.#series++;
    }
    s.values[ring.slotOf(ring.seq)] = value;
    s.lastSeq = ring.seq;
  }

  /** Ends the scrape begun last: `error` undefined if it succeeded. Series gone for a whole ring are dropped. */
  end(ring: TargetRing, error?: string): void {
    const slot = ring.slotOf(ring.seq);
    if (error === undefined) {
      ring.ok[slot] = 1;
      if (ring.firstOkSeq === 0) ring.firstOkSeq = ring.seq;
      ring.failures = 0;
      ring.lastError = undefined;
    } else {
      ring.failures++;
      ring.lastError = error;
    }
    for (const [k, s] of ring.series) {
      if (s.lastSeq <= ring.seq - this.slots) {
        ring.series.delete(k);
        this.#series--;
      }
    }
  }

  /** Time of the oldest scrape held (0: none): figures cannot start before it. */
  earliest(): number {
    let e = 0;
    for (const ring of this.#targets.values()) {
      if (ring.seq === 0) continue;
      const t = ring.times[ring.slotOf(ring.oldestSeq)]!;
      if (e === 0 || t < e) e = t;
    }
    return e;
  }

  /** Drops targets not scraped since `before` (their last scrape left the retention). */
  prune(before: number): void {
    for (const ring of [...this.#targets.values()]) if (ring.lastTime < before) this.#drop(ring);
  }

  #drop(ring: TargetRing): void {
    this.#series -= ring.series.size;
    this.#targets.delete(ring.target);
  }

  /**
   * Bytes held: the rings (8 bytes a sample, 9 a scrape slot) and an estimate of each series'
   * labels and bookkeeping (its key as a string twice, the map entry, the objects).
   */
  bytes(): number {
    let b = 0;
    for (const ring of this.#targets.values()) {
      b += ring.slots * 9 + 200;
      for (const s of ring.series.values()) b += ring.slots * 8 + 2 * s.key.length + 250;
    }
    return b;
  }
}

/**
 * The increase of a counter series over (from, to], as counted: resets add the value after them
 * (the counter restarted from zero), and a series that appeared after an earlier successful
 * scrape of its target started from zero (prom-client lists a labelled counter only once it
 * counted something: the first 5xx of a route is that series' first sample). No extrapolation:
 * these are the events the scrapes saw. Undefined when the series has no sample in the window.
 */
export function increase(ring: TargetRing, s: RingSeries, from: number, to: number): number | undefined {
  let prev: number | undefined;
  let sum = 0;
  let any = false;
  for (let q = ring.oldestSeq; q <= ring.seq; q++) {
    const slot = ring.slotOf(q);
    const t = ring.times[slot]!;
    const v = s.values[slot]!;
    if (t > to) break;
    if (t <= from) {
      if (!Number.isNaN(v)) prev = v;
      else if (ring.ok[slot] === 1 && q < s.firstSeq) prev = 0;
      continue;
    }
    if (Number.isNaN(v)) {
      if (prev === undefined && ring.ok[slot] === 1 && q < s.firstSeq) prev = 0;
      continue;
    }
    any = true;
    if (prev === undefined) {
      // The first sample in the window: a series new since an earlier good scrape counted from zero.
      prev = ring.firstOkSeq !== 0 && ring.firstOkSeq < s.firstSeq && q === s.firstSeq ? 0 : v;
    }
    sum += v >= prev ? v - prev : v;
    prev = v;
  }
  return any ? sum : undefined;
}
