// @holdfast/guard/prometheus: holdfast_guard_* metrics in a prom-client Registry.
export { registerGuardMetrics, type GuardMetrics, type GuardMetricsOptions } from './prometheus/collector.ts';
