// Pattern-change signals for one program: each template's rate against its own baseline.
//   template.new   a template never seen before, when it is at warn or above, or when the
//                  program's templates had settled (no new one for settleMs);
//   template.burst a template's rate over the last window far above its own baseline (Connection
//                  refused going from 0/min to hundreds), once per episode.
// A pure state machine over an injected time: observe() returns the signals as data; the caller
// publishes them. Per template it keeps a ring of bucket counts and an exponentially weighted
// baseline, so its memory is bounded by maxTracked templates.
import { InsightError, type Issue } from '../errors.ts';

export interface DetectorOptions {
  /** Rate resolution. Default 10 s. */
  bucketMs?: number;
  /** Buckets in the burst window (window = bucketMs × windowBuckets). Default 6 (one minute). */
  windowBuckets?: number;
  /** Half-life of the baseline (an exponentially weighted mean of bucket counts). Default 30 min. */
  baselineHalfLifeMs?: number;
  /** A burst needs the window's count at least this many times the baseline's. Default 10. */
  burstFactor?: number;
  /** …and at least this many lines in the window. Default 60. */
  burstMinCount?: number;
  /** No burst is reported until the program has been watched this long. Default 2 min. */
  warmupMs?: number;
  /** A new template is reported when its level is at least this (pino scale; 40 = warn). Default 40. */
  newLevel?: number;
  /** The program's templates have settled once no new one appeared for this long. Default 10 min. */
  settleMs?: number;
  /** …and at least this many lines were seen. Default 200. */
  settleMinLines?: number;
  /** Templates tracked at most (least recently seen dropped). Default 10,000. */
  maxTracked?: number;
}

type Resolved = Required<DetectorOptions>;

const defaults: Resolved = {
  bucketMs: 10_000,
  windowBuckets: 6,
  baselineHalfLifeMs: 30 * 60_000,
  burstFactor: 10,
  burstMinCount: 60,
  warmupMs: 2 * 60_000,
  newLevel: 40,
  settleMs: 10 * 60_000,
  settleMinLines: 200,
  maxTracked: 10_000,
};

export interface TemplateNewSignal {
  type: 'template.new';
  at: number;
  id: string;
  template: string;
  level: number;
  example: string;
  /** Why it is worth saying: its level, or the program had settled. */
  reason: 'level' | 'settled';
}

export interface TemplateBurstSignal {
  type: 'template.burst';
  at: number;
  id: string;
  template: string;
  level: number;
  /** Lines in the last window, and the baseline's expectation for a window. */
  windowCount: number;
  baselineCount: number;
  windowMs: number;
}

export type PatternSignal = TemplateNewSignal | TemplateBurstSignal;

/** What observe() needs to know about one mined line. */
export interface Observation {
  id: string;
  template: string;
  change: 'none' | 'created' | 'generalised';
  level: number;
  example: string;
  absorbed: readonly string[];
}

interface Rate {
  ring: number[];
  /** The ring's sum (kept as it changes, not summed per line). */
  sum: number;
  /** Absolute bucket number of the newest slot. */
  bucket: number;
  /** Baseline: mean count per bucket (exponentially weighted, not yet corrected for its start at 0). */
  baseline: number;
  /** Completed buckets folded into the baseline (for the start-up correction). */
  seen: number;
  bursting: boolean;
}

export interface DetectorState {
  startedAt: number | null;
  lastNewAt: number | null;
  lines: number;
  rates: [string, number, number[], number, number][];
}

/** Every problem with detector options (empty when valid). */
export function validateDetectorOptions(o: unknown): Issue[] {
  if (o === undefined) return [];
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return [{ path: [], message: 'must be an object' }];
  const issues: Issue[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (!(k in defaults)) issues.push({ path: [k], message: `unknown option; known: ${Object.keys(defaults).join(', ')}` });
    else if (typeof v !== 'number' || !Number.isFinite(v) || v < (k === 'newLevel' ? -1 : k === 'burstFactor' ? 1 : 0))
      issues.push({
        path: [k],
        message: `must be a number ≥ ${k === 'newLevel' ? -1 : k === 'burstFactor' ? 1 : 0}, got ${JSON.stringify(v)}`,
      });
    else if (['bucketMs', 'windowBuckets', 'maxTracked'].includes(k) && (!Number.isInteger(v) || v < 1))
      issues.push({ path: [k], message: `must be a whole number ≥ 1, got ${v}` });
  }
  return issues;
}

export class PatternDetector {
  readonly options: Readonly<Resolved>;
  readonly #decay: number;
  readonly #rates = new Map<string, Rate>();
  #startedAt: number | null = null;
  #lastNewAt: number | null = null;
  #lines = 0;

  constructor(options: DetectorOptions = {}, state?: DetectorState) {
    const issues = validateDetectorOptions(options);
    if (issues.length)
      throw new InsightError('HOLDFAST_E_INSIGHT_DETECTOR', `${issues.length} problem${issues.length === 1 ? '' : 's'}`, issues);
    this.options = { ...defaults, ...options };
    this.#decay = 0.5 ** (this.options.bucketMs / this.options.baselineHalfLifeMs);
    if (state) this.#restore(state);
  }

  /** Counts one mined line at time `now` (ms) and returns the signals it raises. */
  observe(now: number, o: Observation): PatternSignal[] {
    const out: PatternSignal[] = [];
    this.#startedAt ??= now;
    this.#lines++;
    for (const old of o.absorbed) this.#merge(o.id, old);
    if (o.change === 'created') {
      const settled =
        this.#lastNewAt !== null ? now - this.#lastNewAt >= this.options.settleMs : now - this.#startedAt >= this.options.settleMs;
      const wasSettled = settled && this.#lines > this.options.settleMinLines;
      if (o.level >= this.options.newLevel && o.level >= 0)
        out.push({ type: 'template.new', at: now, id: o.id, template: o.template, level: o.level, example: o.example, reason: 'level' });
      else if (wasSettled)
        out.push({ type: 'template.new', at: now, id: o.id, template: o.template, level: o.level, example: o.example, reason: 'settled' });
      this.#lastNewAt = now;
    }
    const r = this.#rate(o.id, now);
    r.ring[r.ring.length - 1]!++;
    const windowCount = ++r.sum;
    const baselineCount = this.#baseline(r) * this.options.windowBuckets;
    const f = this.options.burstFactor;
    if (r.bursting) {
      if (windowCount < (f / 2) * baselineCount || windowCount < this.options.burstMinCount / 2) r.bursting = false;
    } else if (
      now - this.#startedAt >= this.options.warmupMs &&
      windowCount >= this.options.burstMinCount &&
      windowCount >= f * baselineCount
    ) {
      r.bursting = true;
      out.push({
        type: 'template.burst',
        at: now,
        id: o.id,
        template: o.template,
        level: o.level,
        windowCount,
        baselineCount,
        windowMs: this.options.bucketMs * this.options.windowBuckets,
      });
    }
    return out;
  }

  /** The rate of a template now: lines in the last window and the baseline's count for a window. */
  rate(id: string, now: number): { windowCount: number; baselineCount: number } | undefined {
    if (!this.#rates.has(id)) return undefined;
    const r = this.#rate(id, now);
    return { windowCount: r.sum, baselineCount: this.#baseline(r) * this.options.windowBuckets };
  }

  /**
   * The baseline per bucket. An exponentially weighted mean that starts at 0 underestimates for
   * its first buckets; dividing by (1 - decay^seen) corrects that, so a template that has been
   * steady since it appeared is not a burst. With no completed bucket yet there is no baseline.
   */
  #baseline(r: Rate): number {
    if (r.seen === 0) return 0;
    return r.baseline / (1 - this.#decay ** r.seen);
  }

  /** Drops a template (evicted by the miner). */
  forget(id: string): void {
    this.#rates.delete(id);
  }

  get tracked(): number {
    return this.#rates.size;
  }

  save(): DetectorState {
    return {
      startedAt: this.#startedAt,
      lastNewAt: this.#lastNewAt,
      lines: this.#lines,
      rates: [...this.#rates].map(([id, r]) => [id, r.bucket, r.ring.slice(), r.baseline, r.seen]),
    };
  }

  #restore(s: DetectorState): void {
    const issues: Issue[] = [];
    if (s.startedAt !== null && typeof s.startedAt !== 'number')
      issues.push({ path: ['startedAt'], message: 'must be a time in ms or null' });
    if (s.lastNewAt !== null && typeof s.lastNewAt !== 'number')
      issues.push({ path: ['lastNewAt'], message: 'must be a time in ms or null' });
    if (!Number.isInteger(s.lines) || s.lines < 0) issues.push({ path: ['lines'], message: 'must be a whole number' });
    if (!Array.isArray(s.rates)) issues.push({ path: ['rates'], message: 'must be a list' });
    else
      s.rates.forEach((r, i) => {
        const ok =
          Array.isArray(r) &&
          typeof r[0] === 'string' &&
          Number.isInteger(r[1]) &&
          Array.isArray(r[2]) &&
          r[2].length === this.options.windowBuckets &&
          r[2].every((c) => Number.isInteger(c) && c >= 0) &&
          typeof r[3] === 'number' &&
          r[3] >= 0 &&
          Number.isInteger(r[4]) &&
          r[4] >= 0;
        if (!ok)
          issues.push({
            path: ['rates', i],
            message: `must be [id, bucket, ${this.options.windowBuckets} counts, baseline, buckets seen]`,
          });
      });
    if (issues.length)
      throw new InsightError('HOLDFAST_E_INSIGHT_STATE', 'the saved detector state is invalid; nothing was restored', issues);
    this.#startedAt = s.startedAt;
    this.#lastNewAt = s.lastNewAt;
    this.#lines = s.lines;
    for (const [id, bucket, ring, baseline, seen] of s.rates)
      this.#rates.set(id, { ring: ring.slice(), sum: ring.reduce((a, b) => a + b, 0), bucket, baseline, seen, bursting: false });
  }

  /** The template's rate, its ring advanced to `now` (completed buckets folded into the baseline). */
  #rate(id: string, now: number): Rate {
    const b = Math.floor(now / this.options.bucketMs);
    let r = this.#rates.get(id);
    if (!r) {
      r = { ring: new Array<number>(this.options.windowBuckets).fill(0), sum: 0, bucket: b, baseline: 0, seen: 0, bursting: false };
      this.#rates.set(id, r);
      if (this.#rates.size > this.options.maxTracked) this.#rates.delete(this.#rates.keys().next().value!);
      return r;
    }
    if (b > r.bucket) {
      const steps = Math.min(b - r.bucket, this.options.windowBuckets);
      for (let k = 0; k < steps; k++) {
        r.baseline = r.baseline * this.#decay + r.ring[r.ring.length - 1]! * (1 - this.#decay);
        r.sum -= r.ring.shift()!;
        r.ring.push(0);
      }
      // Buckets beyond the window were empty: the baseline decays for each.
      if (b - r.bucket > steps) r.baseline *= this.#decay ** (b - r.bucket - steps);
      r.seen = Math.min(r.seen + (b - r.bucket), 1e9);
      r.bucket = b;
      // Most recently updated last, so the first key is the one to drop when over maxTracked.
      this.#rates.delete(id);
      this.#rates.set(id, r);
    }
    return r;
  }

  #merge(into: string, from: string): void {
    const a = this.#rates.get(from);
    if (!a) return;
    this.#rates.delete(from);
    const b = this.#rates.get(into);
    if (!b) {
      this.#rates.set(into, a);
      return;
    }
    const shift = b.bucket - a.bucket;
    for (let k = 0; k < a.ring.length; k++) {
      const j = k - shift;
      if (j >= 0 && j < b.ring.length) {
        b.ring[j]! += a.ring[k]!;
        b.sum += a.ring[k]!;
      }
    }
    b.baseline += a.baseline;
    b.seen = Math.max(a.seen, b.seen);
  }
}
