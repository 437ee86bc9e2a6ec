// The static threshold the backtest compares every strategy with: per series, alert below
// kLow × its typical level or above kHigh × it (typical = the median over the warm-up), with the
// same `for:` and sparse guard as the strategies. The (kLow, kHigh) pair is searched so that the
// static rule reaches a required recall with as few false alerts as possible — the fairest
// static rule there is for that recall. The sweep simulates the alert state machine over the
// recorded level; the chosen rule is then run through the real evaluator (run.ts checks both agree).
import type { Engine } from '../promql/engine.ts';
import type { Expr, VectorSelector } from '../promql/ast.ts';
import { dropName, key, labelsToObject, type Labels } from '../promql/labels.ts';
import { quantile } from '../promql/quantile.ts';
import type { Episode } from './episodes.ts';
import { scoreEpisodes, type LabelledIncident, type ScoreOptions } from './score.ts';

export interface SeriesTrack {
  labels: Record<string, string>;
  /** Level at each evaluation step (NaN: no sample). */
  level: Float64Array;
  /** Whether the sparse guard holds at each step. */
  sparse: Uint8Array;
  /** Median level over the warm-up. */
  typical: number;
}

export interface StaticChoice {
  kLow: number;
  kHigh: number;
  /** Per series: thresholds (undefined: that side never fires). */
  thresholds: { labels: Record<string, string>; below: number | undefined; above: number | undefined }[];
  recall: number;
  falseAlerts: number;
}

const K_LOW = Array.from({ length: 101 }, (_, i) => i / 100);
const K_HIGH = [...Array.from({ length: 141 }, (_, i) => 1 + i * 0.05), Infinity];

/** Reads the recorded level and the guard of every series at every step, as an alert rule sees them. */
export function trackSeries(
  engine: Engine,
  level: VectorSelector,
  guard: Expr | undefined,
  steps: readonly number[],
  warmupEnd: number,
): SeriesTrack[] {
  const byKey = new Map<string, { labels: Labels; level: Float64Array; sparse: Uint8Array }>();
  steps.forEach((t, i) => {
    for (const s of engine.selectVector(level, t)) {
      const labels = dropName(s.labels);
      let tr = byKey.get(key(labels));
      if (!tr)
        byKey.set(key(labels), (tr = { labels, level: new Float64Array(steps.length).fill(NaN), sparse: new Uint8Array(steps.length) }));
      tr.level[i] = s.v;
    }
    if (guard) {
      for (const s of engine.queryVector(guard, t)) {
        const tr = byKey.get(key(dropName(s.labels)));
        if (tr) tr.sparse[i] = 1;
      }
    }
  });
  return [...byKey.values()].map((tr) => {
    const warm = tr.level.filter((v, i) => steps[i]! < warmupEnd && !Number.isNaN(v));
    return {
      labels: labelsToObject(tr.labels),
      level: tr.level,
      sparse: tr.sparse,
      typical: warm.length ? quantile(0.5, Float64Array.from(warm)) : NaN,
    };
  });
}

/** Episodes of `cond` held for `holdMs`, as the alert state machine produces them (keep_firing_for 0). */
function simulate(
  track: SeriesTrack,
  steps: readonly number[],
  holdMs: number,
  cond: (v: number) => boolean,
  alertname: string,
  direction: string,
): Episode[] {
  const out: Episode[] = [];
  let activeAt = -1;
  let open: Episode | undefined;
  for (let i = 0; i < steps.length; i++) {
    const v = track.level[i]!;
    const on = !Number.isNaN(v) && track.sparse[i] === 0 && cond(v);
    const t = steps[i]!;
    if (on) {
      if (activeAt < 0) activeAt = t;
      if (!open && t - activeAt >= holdMs) {
        open = { alertname, labels: { ...track.labels, direction }, activeAt, firedAt: t, resolvedAt: undefined };
        out.push(open);
      }
    } else {
      if (open) open.resolvedAt = t;
      open = undefined;
      activeAt = -1;
    }
  }
  return out;
}

interface SideResult {
  k: number;
  detected: Set<string>;
  falseAlerts: number;
}

function sweepSide(
  tracks: SeriesTrack[],
  steps: readonly number[],
  holdMs: number,
  ks: readonly number[],
  side: 'below' | 'above',
  incidents: readonly LabelledIncident[],
  o: ScoreOptions,
): SideResult[] {
  return ks.map((k) => {
    const episodes = tracks.flatMap((tr) => {
      const th = k * tr.typical;
      if (!Number.isFinite(th) || (side === 'below' && k === 0)) return [];
      return simulate(tr, steps, holdMs, side === 'below' ? (v) => v < th : (v) => v > th, 'static', side);
    });
    const s = scoreEpisodes(episodes, incidents, o);
    return { k, detected: new Set(Object.keys(s.firstFiring)), falseAlerts: s.falseAlerts };
  });
}

/** For each required recall, the (kLow, kHigh) with the fewest false alerts that reaches it. */
export function tuneStatic(
  tracks: SeriesTrack[],
  steps: readonly number[],
  holdMs: number,
  incidents: readonly LabelledIncident[],
  o: ScoreOptions,
  recalls: readonly number[],
): StaticChoice[] {
  const low = sweepSide(tracks, steps, holdMs, K_LOW, 'below', incidents, o);
  const high = sweepSide(tracks, steps, holdMs, K_HIGH, 'above', incidents, o);
  const scored = incidents.filter((i) => i.start >= o.from && i.start <= o.to).length;
  return recalls.map((target) => {
    let best: { l: SideResult; h: SideResult; recall: number; fa: number } | undefined;
    for (const l of low) {
      for (const h of high) {
        const detected = new Set([...l.detected, ...h.detected]).size;
        const recall = scored ? detected / scored : 1;
        const fa = l.falseAlerts + h.falseAlerts;
        if (recall + 1e-12 < target) continue;
        if (!best || fa < best.fa || (fa === best.fa && recall > best.recall)) best = { l, h, recall, fa };
      }
    }
    const b = best!;
    return {
      kLow: b.l.k,
      kHigh: b.h.k,
      thresholds: tracks.map((tr) => ({
        labels: tr.labels,
        below: b.l.k > 0 && Number.isFinite(tr.typical) ? b.l.k * tr.typical : undefined,
        above: Number.isFinite(b.h.k) && Number.isFinite(tr.typical) ? b.h.k * tr.typical : undefined,
      })),
      recall: b.recall,
      falseAlerts: b.fa,
    };
  });
}
