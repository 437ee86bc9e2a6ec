// @holdfast/insight/alerts-schema: the `alerts:` and `slos:` sections of holdfast.yaml as zod
// schemas, and their cross-checks (owner and runbook on every alert, windows against the scrape
// interval, metrics against the service's registry). Needs the peer dependencies zod and
// @holdfast/config; the package's main entry needs neither.
export {
  alertsSchema,
  slosSchema,
  baselineSchema,
  sloSchema,
  alertsChecks,
  alertsCatalogChecks,
  resolveAlerts,
  catalogIssues,
  promDuration,
  type AlertsSection,
  type AlertsSectionInput,
  type SloSection,
  type AlertIssue,
} from './thresholds/schema.ts';
export type { MetricCatalog, MetricInfo } from './thresholds/catalog-types.ts';
