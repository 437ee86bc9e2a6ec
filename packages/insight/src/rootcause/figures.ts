// A program's RED figures over a window, read from the compact store: the requests it served
// (holdfast_http_requests_total, 5xx as errors, mean duration from the histogram's sum and
// count) and the calls it made per dependency (holdfast_dependency_upstream_*: errors, timeouts
// and breaker refusals as failures). Summed over the program's instances. Probe and metrics
// routes are left out: they always answer, and the daemon's own scrapes would dilute a quiet
// service's error ratio.
import { increase, type RingStore, type TargetRing } from '../metrics/ring-store.ts';
import type { RedFigures } from './types.ts';

export const RED_SAMPLES = {
  requests: 'holdfast_http_requests_total',
  durationSum: 'holdfast_http_request_duration_seconds_sum',
  durationCount: 'holdfast_http_request_duration_seconds_count',
  calls: 'holdfast_dependency_upstream_calls_total',
  callSum: 'holdfast_dependency_upstream_duration_seconds_sum',
  callCount: 'holdfast_dependency_upstream_duration_seconds_count',
} as const;

/** The sample names root-cause ranking reads (the store keeps these whatever the rules need). */
export const RED_SAMPLE_NAMES: ReadonlySet<string> = new Set(Object.values(RED_SAMPLES));

export const DEFAULT_IGNORED_ROUTES = ['/metrics', '/livez', '/readyz', '/startupz', '/healthz', '/health', '/ready'];
/** Outcomes of holdfast_dependency_upstream_calls_total that are failures of the callee. */
export const FAILED_OUTCOMES: ReadonlySet<string> = new Set(['error', 'timeout', 'blocked']);

export interface ProgramFigures {
  /** Served requests; undefined when no scrape of the program succeeded in the window. */
  served?: RedFigures;
  /** Calls per dependency name. */
  calls: Map<string, RedFigures>;
}

interface Acc {
  requests: number;
  errors: number;
  sum: number;
  count: number;
}

const acc = (): Acc => ({ requests: 0, errors: 0, sum: 0, count: 0 });
const figures = (a: Acc, seconds: number): RedFigures => ({
  requests: a.requests,
  errors: a.errors,
  seconds,
  ...(a.count > 0 ? { meanSeconds: a.sum / a.count } : {}),
});

function scrapedIn(ring: TargetRing, from: number, to: number): boolean {
  for (let q = ring.seq; q >= ring.oldestSeq; q--) {
    const slot = ring.slotOf(q);
    const t = ring.times[slot]!;
    if (t <= from) return false;
    if (t <= to && ring.ok[slot] === 1) return true;
  }
  return false;
}

/** `program`'s figures over (from, to], summed over its targets in `store`. */
export function programFigures(
  store: RingStore,
  program: string,
  from: number,
  to: number,
  ignoredRoutes: ReadonlySet<string> = new Set(DEFAULT_IGNORED_ROUTES),
): ProgramFigures {
  const seconds = (to - from) / 1000;
  const served = acc();
  let seen = false;
  const calls = new Map<string, Acc>();
  const callAcc = (dep: string) => {
    let a = calls.get(dep);
    if (!a) calls.set(dep, (a = acc()));
    return a;
  };
  for (const ring of store.targets()) {
    if (ring.program !== program) continue;
    if (scrapedIn(ring, from, to)) seen = true;
    for (const s of ring.series.values()) {
      const l = s.labels;
      switch (s.name) {
        case RED_SAMPLES.requests:
        case RED_SAMPLES.durationSum:
        case RED_SAMPLES.durationCount: {
          if (l.route !== undefined && ignoredRoutes.has(l.route)) continue;
          const inc = increase(ring, s, from, to);
          if (inc === undefined) continue;
          if (s.name === RED_SAMPLES.requests) {
            served.requests += inc;
            if (l.status !== undefined && l.status.startsWith('5')) served.errors += inc;
          } else if (s.name === RED_SAMPLES.durationSum) served.sum += inc;
          else served.count += inc;
          break;
        }
        case RED_SAMPLES.calls:
        case RED_SAMPLES.callSum:
        case RED_SAMPLES.callCount: {
          if (l.dependency === undefined) continue;
          const inc = increase(ring, s, from, to);
          if (inc === undefined) continue;
          const a = callAcc(l.dependency);
          if (s.name === RED_SAMPLES.calls) {
            a.requests += inc;
            if (l.outcome !== undefined && FAILED_OUTCOMES.has(l.outcome)) a.errors += inc;
          } else if (s.name === RED_SAMPLES.callSum) a.sum += inc;
          else a.count += inc;
          break;
        }
      }
    }
  }
  return { ...(seen ? { served: figures(served, seconds) } : {}), calls: new Map([...calls].map(([k, a]) => [k, figures(a, seconds)])) };
}

/** The dependency names `program`'s metrics report (what the call graph maps to programs). */
export function dependencyNames(store: RingStore, program: string): string[] {
  const out = new Set<string>();
  for (const ring of store.targets()) {
    if (ring.program !== program) continue;
    for (const s of ring.series.values())
      if (s.name === RED_SAMPLES.calls && s.labels.dependency !== undefined) out.add(s.labels.dependency);
  }
  return [...out].sort();
}
