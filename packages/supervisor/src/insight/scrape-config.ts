// The `scrape:` section (the daemon's own metrics store, docs/root-cause.md) and each program's
// `metrics:` field (where its metrics are, and which program each of its dependencies is), with
// the checks that span them. Runs in the config-loading child, never in the daemon.
//
// Where a program's metrics are, in order:
//   1. `metrics: false`: nowhere (never scraped);
//   2. `metrics: <url>` or `{url}`: there; with several instances the URL has `{instance}`
//      (0, 1, …), since their shared listening socket answers from any one of them;
//   3. the address the instance announced when it became ready (a holdfast service with an
//      admin port says where its metrics are);
//   4. `{path}` (default /metrics) on the program's one listening socket, when it has one
//      instance: the supervisor holds that socket, so it knows the port without being told.
import { didYouMean } from '@holdfast/config/did-you-mean';
import { duration } from '@holdfast/config';
import { z } from 'zod';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const URL_HINT = 'an http:// URL of the metrics endpoint, like "http://127.0.0.1:9464/metrics" ({instance} becomes 0, 1, … per instance)';

const metricsUrl = z
  .string()
  .refine((s) => /^http:\/\/[^/]+/.test(s) && URL.canParse(s.replaceAll('{instance}', '0')), { message: `expected ${URL_HINT}` });

export const programMetricsSchema = z.union(
  [
    z.literal(false),
    metricsUrl,
    z.strictObject({
      url: metricsUrl.optional(),
      /** On the program's listening socket (one instance only). */
      path: z.string().startsWith('/', { message: 'a path starts with "/"' }).optional(),
      /** Dependency names in its holdfast_dependency_* metrics → the program each one calls. */
      dependencies: z.record(z.string().min(1), z.string().min(1)).optional(),
    }),
  ],
  { error: (iss) => (iss.code === 'invalid_union' ? `expected false, ${URL_HINT}, or {url, path, dependencies}` : undefined) },
);

export type ProgramMetricsInput = z.input<typeof programMetricsSchema>;
export type ProgramMetrics = z.output<typeof programMetricsSchema>;

const positive = (min: number, what: string) => duration().refine((ms) => ms >= min, { message: `must be at least ${what}` });

export const DEFAULT_SCRAPE = { intervalMs: 15_000, retentionMs: 3_600_000, maxSeries: 2000 } as const;

export const scrapeSchema = z.strictObject({
  /** How often every program's metrics are read. */
  interval: positive(1000, '1s').default(DEFAULT_SCRAPE.intervalMs),
  /** How long one read may take (default: the interval, at most 10s). */
  timeout: positive(100, '100ms').optional(),
  /** How far back the store reaches: the longest `holdfast explain --since` (and, later, rule window). */
  retention: positive(60_000, '1m').default(DEFAULT_SCRAPE.retentionMs),
  /** The store's bound: at most this many series (each costs retention / interval × 8 bytes). */
  maxSeries: z.number().int().min(1).max(1_000_000).default(DEFAULT_SCRAPE.maxSeries),
  /** Routes left out of the figures (probes answer whatever happens). */
  ignoreRoutes: z.array(z.string().min(1)).optional(),
});

export type ScrapeConfig = z.output<typeof scrapeSchema>;

/**
 * The cross-field checks: a metrics address each instance can be read at, dependencies that name
 * programs, a timeout within the interval.
 */
export function checkScrape(value: unknown, ctx: z.RefinementCtx): void {
  if (!isObj(value)) return;
  const programs = isObj(value.programs) ? value.programs : {};
  const names = Object.keys(programs);
  for (const [name, p] of Object.entries(programs)) {
    if (!isObj(p)) continue;
    const m = p.metrics;
    const at = ['programs', name, 'metrics'];
    const instances = typeof p.instances === 'number' ? p.instances : 1;
    const url = typeof m === 'string' ? m : isObj(m) && typeof m.url === 'string' ? m.url : undefined;
    if (isObj(m) && m.url !== undefined && m.path !== undefined)
      ctx.addIssue({ code: 'custom', path: [...at, 'path'], message: 'give url or path, not both (path is read on the listening socket)' });
    if (url !== undefined && instances > 1 && !url.includes('{instance}')) {
      ctx.addIssue({
        code: 'custom',
        path: isObj(m) ? [...at, 'url'] : at,
        message:
          `'${name}' ` +
          `runs ${instances} instances: one URL would read whichever answers; put {instance} in it ` +
          `(e.g. "${url.replace(/:(\d+)(\d)\//, ':$1{instance}/')}") so each is read on its own port`,
      });
    }
    if (isObj(m) && m.path !== undefined) {
      const listen = Array.isArray(p.listen) ? p.listen.length : 0;
      if (listen !== 1)
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'path'],
          message:
            `path is read on the program's listening socket, and ` +
            `'${name}' ` +
            `has ${listen === 0 ? 'none' : `${listen}`}: give the whole url instead`,
        });
      else if (instances > 1)
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'path'],
          message:
            `'${name}' ` +
            `runs ${instances} instances on one listening socket, where any of them answers: give a ` +
            `url with {instance}, or let each instance announce its own admin port`,
        });
    }
    if (isObj(m) && isObj(m.dependencies)) {
      for (const [dep, target] of Object.entries(m.dependencies)) {
        if (typeof target !== 'string') continue;
        if (target === name)
          ctx.addIssue({ code: 'custom', path: [...at, 'dependencies', dep], message: `'${name}' cannot be its own dependency` });
        else if (!names.includes(target)) {
          const guess = didYouMean(target, names);
          ctx.addIssue({
            code: 'custom',
            path: [...at, 'dependencies', dep],
            message: `unknown program '${target}'${guess ? ` (did you mean '${guess}'?)` : ` (programs: ${names.join(', ')})`}`,
          });
        }
      }
    }
  }
  const s = value.scrape;
  if (isObj(s) && typeof s.timeout !== 'undefined' && typeof s.interval !== 'undefined') {
    const t = typeof s.timeout === 'number' ? s.timeout : undefined;
    const i = typeof s.interval === 'number' ? s.interval : undefined;
    if (t !== undefined && i !== undefined && t > i)
      ctx.addIssue({
        code: 'custom',
        path: ['scrape', 'timeout'],
        message: `a read may not take longer than the interval (${i} ms): the next would start before it ends`,
      });
  }
}
