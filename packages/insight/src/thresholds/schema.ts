// The `alerts:` and `slos:` sections of holdfast.yaml as zod schemas, and the checks that span
// them (owner and runbook on every alert, windows no shorter than two scrapes, names unique) or
// need the service's metric registry (every metric named exists and has the right type; a latency
// threshold is a bucket bound). Used by the supervisor's config schema and by `holdfast gen alerts`;
// every problem comes back with its path, so the config loader prints file:line:column.
import { didYouMean } from '@holdfast/config/did-you-mean';
import { z } from 'zod';
import { formatPromDuration, parsePromDuration } from '../promql/duration.ts';
import { DEFAULTS, makeBaseline, makeSlo } from './defaults.ts';
import type { MetricCatalog } from './catalog-types.ts';
import { burnWindows } from './slo-rules.ts';
import { STRATEGIES, type AlertsConfig, type BaselineSpec, type SloSpec } from './types.ts';

const SNAKE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A Prometheus duration ("5m", "1h30m", "30d", "1w") or milliseconds, output in ms. */
export function promDuration() {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? (Number.isFinite(v) && v >= 0 ? v : undefined) : parsePromDuration(v.trim());
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `'${v}' is not a duration: use a Prometheus duration like "30s", "5m", "1h30m", "7d", or milliseconds as a number`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/** A share in (0, 1): 0.999 or "99.9%". */
const objective = z.union([z.number(), z.string()]).transform((v, ctx) => {
  // A percentage divides by 100 without a float tail (99.9 / 100 is 0.9990000000000001).
  const n =
    typeof v === 'number'
      ? v
      : /^\s*\d+(\.\d+)?\s*%\s*$/.test(v)
        ? Number((Number(v.trim().replace(/\s*%$/, '')) / 100).toPrecision(12))
        : NaN;
  if (!(n > 0 && n < 1)) {
    const hint = typeof v === 'number' && v > 1 && v < 100 ? ` (did you mean ${+(v / 100).toPrecision(6)}?)` : '';
    ctx.addIssue({
      code: 'custom',
      message: `the objective must lie strictly between 0 and 1, got ${JSON.stringify(v)}: write 0.999 or "99.9%"${hint}`,
    });
    return z.NEVER;
  }
  return n;
});

const meta = {
  owner: z.string().min(1).optional(),
  runbook: z.string().min(1).optional(),
  severity: z.string().min(1).optional(),
};

const positive = z.number().positive();
const labelName = z.string().regex(LABEL, { message: 'a label name uses letters, digits and "_" and does not start with a digit' });
const name = z
  .string()
  .regex(SNAKE, { message: 'use letters, digits and "_" (the name becomes part of recorded series names), not starting with a digit' });

export const baselineSchema = z.strictObject({
  name,
  /** The alert's name (default: the name in PascalCase + "Anomaly"). */
  alert: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
    .optional(),
  service: z.string().min(1).optional(),
  signal: z.enum(['requests', 'errors', 'latency', 'metric']).default('requests'),
  metric: z
    .string()
    .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { message: 'not a metric name' })
    .optional(),
  /** Extra label equality matchers. */
  matchers: z.record(labelName, z.string()).default({}),
  by: z.array(labelName).optional(),
  quantile: z.number().gt(0).lt(1).default(DEFAULTS.quantile),
  rateWindow: promDuration().default(DEFAULTS.rateWindowMs),
  strategy: z.enum(STRATEGIES).default('seasonal'),
  direction: z.enum(['both', 'low', 'high']).optional(),
  for: promDuration().default(DEFAULTS.forMs),
  /** Sparse-series guard, requests per second (default 5 a minute). */
  minRate: z.number().min(0).default(DEFAULTS.minRate),
  seasonal: z
    .strictObject({
      zScore: positive.optional(),
      margin: z.number().min(0).lt(1).optional(),
      weeks: z.number().int().min(1).max(4).optional(),
    })
    .optional(),
  adaptive: z
    .strictObject({
      stddevMultiplier: positive.optional(),
      marginMultiplier: z.number().min(0).lt(1).optional(),
      covarThreshold: z.number().min(0).optional(),
    })
    .optional(),
  robust: z.strictObject({ madMultiplier: positive.optional(), marginMultiplier: z.number().min(0).lt(1).optional() }).optional(),
  static: z.strictObject({ below: z.number().optional(), above: z.number().optional() }).optional(),
  weekAverage: z.strictObject({ factor: z.number().gt(0).lt(1).optional() }).optional(),
  ...meta,
});

export const alertsSchema = z.strictObject({
  /** How often Prometheus (or the daemon) scrapes the services: no window may be shorter than two scrapes. */
  scrapeInterval: promDuration().default(DEFAULTS.scrapeIntervalMs),
  evaluationInterval: promDuration().default(DEFAULTS.evaluationIntervalMs),
  ...meta,
  baselines: z.array(baselineSchema).default([]),
});

export const sloSchema = z.strictObject({
  name,
  alert: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
    .optional(),
  service: z.string().min(1),
  matchers: z.record(labelName, z.string()).default({}),
  indicator: z.enum(['availability', 'latency']).default('availability'),
  objective,
  period: promDuration().default(DEFAULTS.slo.periodMs),
  /** Latency SLO: requests slower than this are bad ("250ms" or seconds as a number). */
  latency: z.union([z.number().positive(), z.string()]).optional(),
  minRequests: z.number().int().min(0).default(DEFAULTS.slo.minRequests),
  owner: z.string().min(1).optional(),
  runbook: z.string().min(1).optional(),
  severity: z.strictObject({ page: z.string().min(1).optional(), ticket: z.string().min(1).optional() }).optional(),
});

export const slosSchema = z.array(sloSchema);

export type AlertsSectionInput = z.input<typeof alertsSchema>;
export type AlertsSection = z.output<typeof alertsSchema>;
export type SloSection = z.output<typeof sloSchema>;

export interface AlertIssue {
  path: (string | number)[];
  message: string;
}

/** Latency in seconds from a number (seconds) or a duration string. */
function seconds(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const ms = parsePromDuration(v.trim());
  return ms === undefined || ms === 0 ? undefined : ms / 1000;
}

/**
 * The validated sections as specs, with defaults (owner, runbook, severity) from the alerts
 * section, plus every problem that spans fields. `catalog` adds the registry checks.
 */
export function resolveAlerts(
  alerts: AlertsSection | undefined,
  slos: readonly (SloSection | undefined)[] | undefined,
  catalog?: MetricCatalog,
): { config: AlertsConfig; issues: AlertIssue[] } {
  const issues: AlertIssue[] = [];
  const a = alerts ?? alertsSchema.parse({});
  const scrape = a.scrapeInterval;
  const seen = new Map<string, (string | number)[]>();
  const unique = (n: string, path: (string | number)[]) => {
    const prev = seen.get(n);
    if (prev)
      issues.push({
        path,
        message: `the name '${n}' is already used at ${prev.join('.')}: names must be unique across baselines and SLOs`,
      });
    else seen.set(n, path);
  };
  const need = (value: string | undefined, path: (string | number)[], what: string): string => {
    if (!value) issues.push({ path, message: `no ${what}: every alert names its ${what} (set it here or once under alerts.${what})` });
    return value ?? '';
  };
  if (scrape <= 0) issues.push({ path: ['alerts', 'scrapeInterval'], message: 'the scrape interval must be greater than zero' });

  const baselines: BaselineSpec[] = [];
  const baselineIndex: number[] = [];
  (a.baselines as (AlertsSection['baselines'][number] | undefined)[]).forEach((b, i) => {
    if (!b) return;
    const path = ['alerts', 'baselines', i];
    unique(b.name, [...path, 'name']);
    if (b.rateWindow < 2 * scrape) {
      issues.push({
        path: [...path, 'rateWindow'],
        message:
          `the ${formatPromDuration(b.rateWindow)} window is shorter than two scrapes ` +
          (`(scrapeInterval ${formatPromDuration(scrape)}): rate() needs two samples in it; use at ` +
            `least ${formatPromDuration(Math.max(4 * scrape, 60_000))}`),
      });
    }
    if (b.signal === 'metric' && !b.metric) issues.push({ path: [...path, 'metric'], message: "signal 'metric' needs the metric's name" });
    if (b.strategy === 'static' && b.static?.below === undefined && b.static?.above === undefined)
      issues.push({ path: [...path, 'static'], message: 'a static baseline needs static.below, static.above or both' });
    const matchers = { ...(b.service ? { service: b.service } : {}), ...b.matchers };
    if (!b.service && Object.keys(matchers).length === 0)
      issues.push({
        path: [...path, 'service'],
        message: 'name the service (or give matchers): a baseline over every series of a metric is rarely meant',
      });
    baselineIndex.push(i);
    baselines.push(
      makeBaseline({
        name: b.name,
        ...(b.alert ? { alert: b.alert } : {}),
        signal: b.signal,
        ...(b.metric ? { metric: b.metric } : {}),
        matchers,
        by: b.by ?? ['service'],
        quantile: b.quantile,
        rateWindowMs: b.rateWindow,
        strategy: b.strategy,
        ...(b.direction ? { direction: b.direction } : {}),
        forMs: b.for,
        minRate: b.minRate,
        ...(b.seasonal ? { seasonal: stripUndefined(b.seasonal) } : {}),
        ...(b.adaptive ? { adaptive: stripUndefined(b.adaptive) } : {}),
        ...(b.robust ? { robust: stripUndefined(b.robust) } : {}),
        ...(b.weekAverage ? { weekAverage: stripUndefined(b.weekAverage) } : {}),
        ...(b.static ? { static: stripUndefined(b.static) } : {}),
        meta: {
          owner: need(b.owner ?? a.owner, [...path, 'owner'], 'owner'),
          runbook: need(b.runbook ?? a.runbook, [...path, 'runbook'], 'runbook'),
          severity: b.severity ?? a.severity ?? DEFAULTS.severity,
        },
      }),
    );
  });

  const specs: SloSpec[] = [];
  const sloIndex: number[] = [];
  (slos ?? []).forEach((s, i) => {
    if (!s) return;
    const path = ['slos', i];
    unique(s.name, [...path, 'name']);
    const threshold = seconds(s.latency);
    if (s.indicator === 'latency' && threshold === undefined)
      issues.push({
        path: [...path, s.latency === undefined ? 'indicator' : 'latency'],
        message:
          s.latency === undefined
            ? 'a latency SLO needs latency: the threshold a good request stays under, e.g. "250ms"'
            : `'${s.latency}' is not a latency: use seconds or a duration like "250ms"`,
      });
    if (s.indicator === 'availability' && s.latency !== undefined)
      issues.push({ path: [...path, 'latency'], message: 'latency applies to indicator: latency only' });
    const shortest = Math.min(...burnWindows(s.period).map((w) => w.shortMs));
    if (shortest < 2 * scrape) {
      issues.push({
        path: [...path, 'period'],
        message:
          `the ${formatPromDuration(shortest)} burn-rate window of ` +
          `a ${formatPromDuration(s.period)} period is ` +
          `shorter than two scrapes (scrapeInterval ${formatPromDuration(scrape)}): scrape more often or lengthen the period`,
      });
    }
    sloIndex.push(i);
    specs.push(
      makeSlo({
        name: s.name,
        ...(s.alert ? { alertPrefix: s.alert } : {}),
        service: s.service,
        matchers: { service: s.service, ...s.matchers },
        indicator: s.indicator,
        objective: s.objective,
        periodMs: s.period,
        ...(threshold !== undefined ? { latencyThreshold: threshold } : {}),
        minRequests: s.minRequests,
        owner: need(s.owner ?? a.owner, [...path, 'owner'], 'owner'),
        runbook: need(s.runbook ?? a.runbook, [...path, 'runbook'], 'runbook'),
        ...(s.severity?.page ? { pageSeverity: s.severity.page } : {}),
        ...(s.severity?.ticket ? { ticketSeverity: s.severity.ticket } : {}),
      }),
    );
  });

  if (catalog) issues.push(...catalogIssues(baselines, specs, catalog, baselineIndex, sloIndex));
  return { config: { scrapeIntervalMs: scrape, evaluationIntervalMs: a.evaluationInterval, baselines, slos: specs }, issues };
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

function unknownMetric(metric: string, catalog: MetricCatalog): string {
  const base = metric.replace(/_(bucket|count|sum)$/, '');
  if (base !== metric && catalog.get(base)?.type === 'histogram')
    return `'${metric}' is a series of the histogram '${base}': name the histogram`;
  const guess = didYouMean(metric, catalog.keys());
  return `the service's registry has no metric '${metric}'${guess ? ` (did you mean '${guess}'?)` : ''}`;
}

/** The registry checks: every metric exists with a type its signal can use; latency thresholds are bucket bounds. */
export function catalogIssues(
  baselines: BaselineSpec[],
  slos: SloSpec[],
  catalog: MetricCatalog,
  baselineIndex?: number[],
  sloIndex?: number[],
): AlertIssue[] {
  const issues: AlertIssue[] = [];
  baselines.forEach((b, k) => {
    const i = baselineIndex?.[k] ?? k;
    const path = ['alerts', 'baselines', i, 'metric'];
    if (!b.metric) return;
    const info = catalog.get(b.metric);
    if (!info) return void issues.push({ path, message: unknownMetric(b.metric, catalog) });
    const want =
      b.signal === 'latency' ? ['histogram'] : b.signal === 'metric' ? ['counter', 'gauge', 'histogram', 'unknown'] : ['counter'];
    if (!want.includes(info.type))
      issues.push({ path, message: `'${b.metric}' is a ${info.type}; signal '${b.signal}' needs a ${want.join(' or ')}` });
    if (b.signal === 'metric') b.metricType = info.type === 'histogram' ? 'histogram' : info.type === 'counter' ? 'counter' : 'gauge';
  });
  slos.forEach((s, k) => {
    const i = sloIndex?.[k] ?? k;
    const metric = s.indicator === 'availability' ? s.requestsMetric : s.durationMetric;
    const info = catalog.get(metric);
    if (!info) return void issues.push({ path: ['slos', i, 'indicator'], message: unknownMetric(metric, catalog) });
    if (s.indicator === 'latency' && s.latencyThreshold !== undefined && info.buckets && !info.buckets.includes(s.latencyThreshold)) {
      const nearest = [...info.buckets].sort((x, y) => Math.abs(x - s.latencyThreshold!) - Math.abs(y - s.latencyThreshold!))[0];
      issues.push({
        path: ['slos', i, 'latency'],
        message:
          `${s.latencyThreshold}s is not a bucket bound ` +
          `of ${metric} ` +
          `(${info.buckets.join(', ')}): a latency ` +
          `SLO counts the requests under a bound${nearest !== undefined ? ` (did you mean ${nearest}?)` : ''}`,
      });
    }
  });
  return issues;
}

type Partial = { alerts: AlertsSection; slos: (SloSection | undefined)[] };

/**
 * The sections as far as they parse: a baseline or SLO that failed is left out (its issues are
 * reported already), the rest is still checked.
 */
function sectionsOf(value: unknown): Partial | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { alerts?: unknown; slos?: unknown };
  if (v.alerts === undefined && v.slos === undefined) return undefined;
  const raw = (typeof v.alerts === 'object' && v.alerts !== null ? v.alerts : {}) as Record<string, unknown>;
  const head = alertsSchema.safeParse({ ...raw, baselines: [] });
  if (!head.success) return undefined;
  const baselines = Array.isArray(raw.baselines) ? raw.baselines.map((b) => baselineSchema.safeParse(b)) : [];
  const slos = Array.isArray(v.slos) ? v.slos.map((x) => sloSchema.safeParse(x)) : [];
  return {
    alerts: { ...head.data, baselines: baselines.map((b) => (b.success ? b.data : undefined)) as AlertsSection['baselines'] },
    slos: slos.map((x) => (x.success ? x.data : undefined)),
  };
}

/** A superRefine for a whole holdfast.yaml: the checks that span fields of these sections, each issue with its path. */
export function alertsChecks() {
  return (value: unknown, ctx: z.RefinementCtx): void => {
    const s = sectionsOf(value);
    if (!s) return;
    for (const issue of resolveAlerts(s.alerts, s.slos).issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  };
}

/** A superRefine that checks every metric the sections name against a service's registry. */
export function alertsCatalogChecks(catalog: MetricCatalog) {
  return (value: unknown, ctx: z.RefinementCtx): void => {
    const s = sectionsOf(value);
    if (!s) return;
    const { issues } = resolveAlerts(s.alerts, s.slos, catalog);
    const fromCatalog = issues.filter(
      (i) => !resolveAlerts(s.alerts, s.slos).issues.some((j) => j.message === i.message && j.path.join('.') === i.path.join('.')),
    );
    for (const issue of fromCatalog) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  };
}
