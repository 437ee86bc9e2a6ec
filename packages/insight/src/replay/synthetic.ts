// A generated replay of a service's RED metrics, deterministic for a seed, with labelled
// incidents to score alert rules against. How it is built (documented in docs/alerts.md, and
// not tuned to any strategy):
//  - per route, requests per second = peak × daily profile × weekly profile × trend × holiday ×
//    slow noise × incident; counts per scrape are Poisson-distributed around that rate;
//  - daily profile: two busy periods (late morning, evening) over a night trough at ~12 % of the
//    peak; weekly: Friday 0.9, Saturday 0.62, Sunday 0.55 of a weekday; trend +3 % a week;
//  - slow noise: an AR(1) process in log space (σ ≈ 5 %, about an hour of memory);
//  - one holiday (a weekday at ~half traffic, shaped like a Sunday): NOT an incident, a normal
//    day that looks abnormal, as real holidays do;
//  - incidents after the warm-up (outage, partial drop, surge, slow decline), placed at random
//    times of day and night, magnitudes drawn from fixed ranges;
//  - counter resets (process restarts) and missed scrapes, to be handled as Prometheus does.
import { SeriesStore } from '../promql/store.ts';
import { Random } from './random.ts';

export type IncidentShape = 'outage' | 'drop' | 'surge' | 'decline' | 'errors';
/** Shapes in the request rate; with `errors: true` an error burst (a share of 5xx) joins them. */
export const INCIDENT_SHAPES: readonly IncidentShape[] = ['outage', 'drop', 'surge', 'decline'];

export interface ReplayIncident {
  id: string;
  shape: IncidentShape;
  /** Labels of the affected series (service, route). */
  labels: Record<string, string>;
  start: number;
  end: number;
  /** Traffic multiplier at the incident's worst point (0.03 outage, 2.5 surge…); for an error burst, the share of 5xx. */
  factor: number;
}

export interface RouteSpec {
  route: string;
  /** Requests per second at the daily peak of a weekday. */
  peakRps: number;
  /** Whether incidents are placed on this route (a sparse route gets none: it tests the sparse guard). */
  incidents: boolean;
}

export interface SyntheticOptions {
  seed?: number;
  weeks?: number;
  stepMs?: number;
  /** First sample time, ms since the epoch (default: Monday 2026-01-05 00:00 UTC). */
  start?: number;
  service?: string;
  routes?: RouteSpec[];
  /** Incidents per week over all routes, after the warm-up. */
  incidentsPerWeek?: number;
  /** No incident before this much time has passed (the baselines need history). */
  warmupMs?: number;
  /** Also write 5xx responses (a 0.2 % baseline error ratio). */
  errors?: boolean;
  /** Also write the request-duration histogram (log-normal latencies, the service's buckets). */
  latency?: boolean;
}

export interface SyntheticReplay {
  store: SeriesStore;
  incidents: ReplayIncident[];
  holiday: { start: number; end: number };
  restarts: { route: string; at: number }[];
  gaps: { route: string; start: number; end: number }[];
  start: number;
  end: number;
  stepMs: number;
  /** The construction parameters, for the report. */
  options: Required<Omit<SyntheticOptions, 'routes'>> & { routes: RouteSpec[] };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
export const DEFAULT_ROUTES: RouteSpec[] = [
  { route: '/api/products', peakRps: 40, incidents: true },
  { route: '/api/orders', peakRps: 6, incidents: true },
  { route: '/api/admin', peakRps: 0.03, incidents: false },
];
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Circular Gaussian bump over the hour of day. */
function bump(hour: number, center: number, width: number): number {
  const d = Math.min(Math.abs(hour - center), 24 - Math.abs(hour - center));
  return Math.exp(-(d * d) / (2 * width * width));
}

/** Daily shape, 1 at the busiest minute of a weekday, ~0.12 in the night. */
function daily(hour: number): number {
  return 0.12 + 0.88 * Math.min(1, 0.95 * bump(hour, 11.5, 3) + 0.8 * bump(hour, 20, 2.2));
}

const WEEKDAY_LEVEL = [0.55, 1, 1, 1, 1, 0.9, 0.62]; // Sunday first, as Date.getUTCDay()

/** Weekly level, blended linearly from 23:00 to 01:00 so days do not step at midnight. */
function weekly(t: number): number {
  const day = new Date(t).getUTCDay();
  const intoDay = (t % DAY) / HOUR;
  const level = WEEKDAY_LEVEL[day]!;
  if (intoDay >= 23) return level + (WEEKDAY_LEVEL[(day + 1) % 7]! - level) * ((intoDay - 23) / 2);
  if (intoDay < 1) {
    const before = WEEKDAY_LEVEL[(day + 6) % 7]!;
    return before + (level - before) * ((intoDay + 1) / 2);
  }
  return level;
}

/** Traffic multiplier of an incident at time t (1 outside it). */
function incidentFactor(i: ReplayIncident, t: number): number {
  if (t < i.start || t >= i.end || i.shape === 'errors') return 1;
  if (i.shape !== 'decline') return i.factor;
  // A slow decline: down linearly over two thirds of the incident, then held.
  const progress = Math.min(1, (t - i.start) / ((i.end - i.start) * (2 / 3)));
  return 1 + (i.factor - 1) * progress;
}

function drawIncident(
  rng: Random,
  id: string,
  labels: Record<string, string>,
  start: number,
  shapes: readonly IncidentShape[],
): ReplayIncident {
  const shape = rng.pick(shapes);
  const minutes = (lo: number, hi: number) => rng.int(lo, hi) * 60_000;
  switch (shape) {
    case 'outage':
      return { id, shape, labels, start, end: start + minutes(10, 25), factor: 0.03 };
    case 'drop':
      return { id, shape, labels, start, end: start + minutes(20, 60), factor: rng.uniform(0.35, 0.65) };
    case 'surge':
      return { id, shape, labels, start, end: start + minutes(15, 45), factor: rng.uniform(1.8, 3) };
    case 'decline':
      return { id, shape, labels, start, end: start + minutes(60, 120), factor: rng.uniform(0.3, 0.5) };
    case 'errors':
      return { id, shape, labels, start, end: start + minutes(20, 60), factor: rng.uniform(0.05, 0.2) };
  }
}

export function generateReplay(options: SyntheticOptions = {}): SyntheticReplay {
  const o = {
    seed: options.seed ?? 1,
    weeks: options.weeks ?? 5,
    stepMs: options.stepMs ?? 60_000,
    start: options.start ?? Date.UTC(2026, 0, 5),
    service: options.service ?? 'shop',
    routes: options.routes ?? DEFAULT_ROUTES,
    incidentsPerWeek: options.incidentsPerWeek ?? 6,
    warmupMs: options.warmupMs ?? 8 * DAY,
    errors: options.errors ?? false,
    latency: options.latency ?? false,
  };
  const rng = new Random(o.seed);
  const end = o.start + o.weeks * WEEK;
  // The holiday: the Thursday of the fourth week (inside the scored period).
  const holidayStart = o.start + 3 * WEEK + 3 * DAY;
  const holiday = { start: holidayStart, end: holidayStart + DAY };

  // Incidents: random times after the warm-up, at least 8 h apart on a route (the baselines
  // must recover between two), never on the holiday (so each alert has one clear cause).
  const incidents: ReplayIncident[] = [];
  const eligible = o.routes.filter((r) => r.incidents);
  const count = Math.round(((end - o.start - o.warmupMs) / WEEK) * o.incidentsPerWeek);
  for (let n = 0, tries = 0; n < count && tries < count * 200; tries++) {
    const route = rng.pick(eligible);
    const at = o.start + o.warmupMs + Math.floor((rng.next() * (end - o.start - o.warmupMs - 3 * HOUR)) / 60_000) * 60_000;
    const candidate = drawIncident(
      rng,
      `i${n + 1}`,
      { service: o.service, route: route.route },
      at,
      o.errors ? [...INCIDENT_SHAPES, 'errors'] : INCIDENT_SHAPES,
    );
    const clash = incidents.some(
      (i) => i.labels.route === route.route && candidate.start < i.end + 8 * HOUR && i.start < candidate.end + 8 * HOUR,
    );
    if (clash || (candidate.start < holiday.end && holiday.start < candidate.end)) continue;
    incidents.push(candidate);
    n++;
  }
  incidents.sort((a, b) => a.start - b.start);
  incidents.forEach((i, k) => (i.id = `i${k + 1}`));

  const store = new SeriesStore();
  const restarts: SyntheticReplay['restarts'] = [];
  const gaps: SyntheticReplay['gaps'] = [];
  for (const r of o.routes) {
    const base = { service: o.service, route: r.route, method: 'GET' };
    // Two restarts a week (the counters start over) and three missed-scrape gaps a week.
    const restartAt = new Set<number>();
    for (let k = 0; k < o.weeks * 2; k++) restartAt.add(o.start + Math.floor((rng.next() * (end - o.start)) / o.stepMs) * o.stepMs);
    const gapList: { start: number; end: number }[] = [];
    for (let k = 0; k < o.weeks * 3; k++) {
      const s = o.start + Math.floor((rng.next() * (end - o.start)) / o.stepMs) * o.stepMs;
      gapList.push({ start: s, end: s + rng.int(2, 4) * o.stepMs });
    }
    for (const at of [...restartAt].sort((a, b) => a - b)) restarts.push({ route: r.route, at });
    for (const g of gapList) gaps.push({ route: r.route, ...g });
    const mine = incidents.filter((i) => i.labels.route === r.route);
    let noise = 0;
    let ok = 0;
    let errors = 0;
    const buckets = new Float64Array(DEFAULT_BUCKETS.length + 1);
    let sum = 0;
    for (let t = o.start; t < end; t += o.stepMs) {
      noise = 0.98 * noise + 0.01 * rng.normal();
      const hour = (t % DAY) / HOUR;
      const isHoliday = t >= holiday.start && t < holiday.end;
      const dayLevel = isHoliday ? 0.5 : weekly(t);
      let rate = r.peakRps * daily(hour) * dayLevel * (1 + (0.03 * (t - o.start)) / WEEK) * Math.exp(noise);
      for (const i of mine) rate *= incidentFactor(i, t);
      const n = rng.poisson((rate * o.stepMs) / 1000);
      if (restartAt.has(t)) {
        ok = 0;
        errors = 0;
        buckets.fill(0);
        sum = 0;
      }
      const burst = mine.find((i) => i.shape === 'errors' && t >= i.start && t < i.end);
      const bad = o.errors ? rng.poisson(n * (burst ? burst.factor : 0.002)) : 0;
      ok += n - Math.min(bad, n);
      errors += Math.min(bad, n);
      if (o.latency) {
        // Log-normal latencies (median 40 ms, σ 0.8): expected share per bucket, Poisson counts.
        let prev = 0;
        for (let b = 0; b < DEFAULT_BUCKETS.length; b++) {
          const cdf = lognormalCdf(DEFAULT_BUCKETS[b]!, Math.log(0.04), 0.8);
          const c = rng.poisson(n * (cdf - prev));
          buckets[b]! += c;
          sum += c * DEFAULT_BUCKETS[b]! * 0.7;
          prev = cdf;
        }
        buckets[DEFAULT_BUCKETS.length]! += rng.poisson(n * (1 - prev));
      }
      if (gapList.some((g) => t >= g.start && t < g.end)) continue;
      store.append({ __name__: 'holdfast_http_requests_total', ...base, status: '200' }, t, ok);
      if (o.errors) store.append({ __name__: 'holdfast_http_requests_total', ...base, status: '500' }, t, errors);
      if (o.latency) {
        let cumulative = 0;
        for (let b = 0; b <= DEFAULT_BUCKETS.length; b++) {
          cumulative += buckets[b]!;
          const le = b < DEFAULT_BUCKETS.length ? String(DEFAULT_BUCKETS[b]) : '+Inf';
          store.append({ __name__: 'holdfast_http_request_duration_seconds_bucket', ...base, le }, t, cumulative);
        }
        store.append({ __name__: 'holdfast_http_request_duration_seconds_count', ...base }, t, cumulative);
        store.append({ __name__: 'holdfast_http_request_duration_seconds_sum', ...base }, t, sum);
      }
    }
  }
  return { store, incidents, holiday, restarts, gaps, start: o.start, end, stepMs: o.stepMs, options: o };
}

function lognormalCdf(x: number, mu: number, sigma: number): number {
  return 0.5 * (1 + erf((Math.log(x) - mu) / (sigma * Math.SQRT2)));
}

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): plenty for a synthetic latency shape. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

export const TYPES_OF_GENERATED = new Map([
  ['holdfast_http_requests', 'counter'],
  ['holdfast_http_request_duration_seconds', 'histogram'],
]);
