// What `holdfast gen alerts` and `holdfast alerts backtest` share: the metric registry the config
// is checked against, and reading the config's `alerts:` / `slos:` sections with every problem
// reported as file:line:column, path and a suggestion.
import { ConfigError, loadConfigFile } from '@holdfast/config';
import { catalogFromExposition, type AlertsConfig, type MetricCatalog } from '@holdfast/insight';
import { alertsCatalogChecks, resolveAlerts } from '@holdfast/insight/alerts-schema';
import { supervisorConfigSchema } from '@holdfast/supervisor';
import { z } from 'zod';
import { UsageError } from '../errors.ts';

/**
 * The registry of a holdfast service: by default one built in-process with default options
 * (never started), or the /metrics of a running service when `metricsUrl` is given (its own
 * application metrics included).
 */
export async function loadCatalog(metricsUrl: string | undefined): Promise<MetricCatalog> {
  if (metricsUrl) {
    let text: string;
    try {
      const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text = await res.text();
    } catch (err) {
      throw new UsageError(`--metrics-url ${metricsUrl}: cannot read the metrics (${(err as Error).message})`);
    }
    const catalog = catalogFromExposition(text);
    if (catalog.size === 0) throw new UsageError(`--metrics-url ${metricsUrl}: no metrics in the answer (is it a /metrics endpoint?)`);
    return catalog;
  }
  const { createService } = await import('@holdfast/service');
  const service = createService({ name: 'catalog', logger: { level: 'silent' } } as Parameters<typeof createService>[0]);
  const registry = service.registry;
  if (!registry) throw new Error('the built-in service has no metrics registry');
  const catalog = catalogFromExposition(await registry.metrics()) as Map<string, { type: string; buckets?: number[] }>;
  // A histogram shows its buckets only once something was observed: take them from the options.
  const buckets = (service.options as { metrics?: { buckets?: number[] } }).metrics?.buckets;
  const duration = catalog.get('holdfast_http_request_duration_seconds');
  if (duration && buckets) duration.buckets = [...buckets];
  // The request counter is a collector that lists nothing until a request was served.
  if (!catalog.has('holdfast_http_requests_total')) catalog.set('holdfast_http_requests_total', { type: 'counter' });
  return catalog as MetricCatalog;
}

/** Reads holdfast.yaml (or .json), checks it whole (its alert sections against `catalog`), and returns the alert definitions. */
export function loadAlertsConfig(file: string, catalog: MetricCatalog): AlertsConfig {
  if (!/\.(ya?ml|json)$/i.test(file))
    throw new UsageError(`${file}: alert definitions live in a holdfast YAML or JSON config (alerts:, slos:)`);
  const schema = supervisorConfigSchema.check(z.superRefine(alertsCatalogChecks(catalog), { when: () => true }));
  const cfg = loadConfigFile(file, schema) as { alerts?: Parameters<typeof resolveAlerts>[0]; slos?: Parameters<typeof resolveAlerts>[1] };
  const { config, issues } = resolveAlerts(cfg.alerts, cfg.slos, catalog);
  // The schema reported every issue already; this only guards against a check left out of it.
  if (issues.length) throw new ConfigError(issues.map((i) => ({ file, path: i.path, message: i.message })));
  return config;
}
