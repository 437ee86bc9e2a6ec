// Defaults of the alert definitions, in one place for the YAML schema, the backtest and the API.
import type { BaselineSpec, Direction, BaselineSignal, SloSpec } from './types.ts';

export const REQUESTS_METRIC = 'holdfast_http_requests_total';
export const DURATION_METRIC = 'holdfast_http_request_duration_seconds';

export const DEFAULTS = {
  scrapeIntervalMs: 15_000,
  evaluationIntervalMs: 60_000,
  rateWindowMs: 5 * 60_000,
  forMs: 5 * 60_000,
  /** Grafana's sparse threshold: 5 requests a minute. */
  minRate: 5 / 60,
  quantile: 0.99,
  severity: 'warning',
  seasonal: { zScore: 3, margin: 0.2, weeks: 3 },
  adaptive: { stddevMultiplier: 2, marginMultiplier: 0.5, covarThreshold: 0.5 },
  robust: { madMultiplier: 2, marginMultiplier: 0.5 },
  weekAverage: { factor: 0.8 },
  slo: { periodMs: 30 * 24 * 3_600_000, minRequests: 100, pageSeverity: 'critical', ticketSeverity: 'warning' },
} as const;

export const DEFAULT_DIRECTION: Record<BaselineSignal, Direction> = { requests: 'both', errors: 'high', latency: 'high', metric: 'both' };
export const DEFAULT_METRIC: Record<Exclude<BaselineSignal, 'metric'>, string> = {
  requests: REQUESTS_METRIC,
  errors: REQUESTS_METRIC,
  latency: DURATION_METRIC,
};

/** orders_traffic → OrdersTraffic */
export function pascalCase(name: string): string {
  return name
    .split(/[_\-.\s]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

export type BaselineInput = Partial<Omit<BaselineSpec, 'seasonal' | 'adaptive' | 'robust' | 'weekAverage' | 'static'>> &
  Pick<BaselineSpec, 'name' | 'meta'> & {
    seasonal?: Partial<BaselineSpec['seasonal']>;
    adaptive?: Partial<BaselineSpec['adaptive']>;
    robust?: Partial<BaselineSpec['robust']>;
    weekAverage?: Partial<BaselineSpec['weekAverage']>;
    static?: BaselineSpec['static'];
  };

/** A complete baseline from the fields given (the rest from DEFAULTS). */
export function makeBaseline(i: BaselineInput): BaselineSpec {
  const signal = i.signal ?? 'requests';
  return {
    name: i.name,
    alert: i.alert ?? `${pascalCase(i.name)}Anomaly`,
    signal,
    metric: i.metric ?? (signal === 'metric' ? '' : DEFAULT_METRIC[signal]),
    metricType: i.metricType ?? (signal === 'latency' ? 'histogram' : 'counter'),
    matchers: i.matchers ?? {},
    by: i.by ?? ['service'],
    quantile: i.quantile ?? DEFAULTS.quantile,
    rateWindowMs: i.rateWindowMs ?? DEFAULTS.rateWindowMs,
    strategy: i.strategy ?? 'seasonal',
    direction: i.direction ?? DEFAULT_DIRECTION[signal],
    forMs: i.forMs ?? DEFAULTS.forMs,
    minRate: i.minRate ?? DEFAULTS.minRate,
    seasonal: { ...DEFAULTS.seasonal, ...i.seasonal },
    adaptive: { ...DEFAULTS.adaptive, ...i.adaptive },
    robust: { ...DEFAULTS.robust, ...i.robust },
    weekAverage: { ...DEFAULTS.weekAverage, ...i.weekAverage },
    static: { ...i.static },
    meta: i.meta,
  };
}

export type SloInput = Partial<SloSpec> & Pick<SloSpec, 'name' | 'service' | 'objective' | 'owner' | 'runbook'>;

export function makeSlo(i: SloInput): SloSpec {
  return {
    name: i.name,
    alertPrefix: i.alertPrefix ?? pascalCase(i.name),
    service: i.service,
    matchers: i.matchers ?? { service: i.service },
    indicator: i.indicator ?? 'availability',
    objective: i.objective,
    periodMs: i.periodMs ?? DEFAULTS.slo.periodMs,
    ...(i.latencyThreshold !== undefined ? { latencyThreshold: i.latencyThreshold } : {}),
    requestsMetric: i.requestsMetric ?? REQUESTS_METRIC,
    durationMetric: i.durationMetric ?? DURATION_METRIC,
    minRequests: i.minRequests ?? DEFAULTS.slo.minRequests,
    owner: i.owner,
    runbook: i.runbook,
    pageSeverity: i.pageSeverity ?? DEFAULTS.slo.pageSeverity,
    ticketSeverity: i.ticketSeverity ?? DEFAULTS.slo.ticketSeverity,
  };
}
