// @holdfast/insight/promql: the embedded PromQL evaluator, rule evaluation and the alert-rule
// generator alone, for a process that evaluates rules itself (the supervisor daemon with no
// Prometheus near it). Nothing here loads the log miner, the incident loop, yaml or zod; every
// module is pure (no clock, no timers, no I/O): the caller appends samples and passes the time.
//
// The API, in the order a caller uses it:
// - `SeriesStore`: the in-memory TSDB. `append(labels, ms, value, staleMarker?)` (labels as an
//   object or a sorted `Labels` list; samples of a series in time order), `select(matchers)`,
//   `series()`, `truncateBefore(ms)` (drop history the rules no longer read). A staleness marker
//   (`staleMarker = true`) ends a series at once, as Prometheus does when a target stops exposing it.
//   `matches(matcher, value)` is one label matcher's test (=, !=, =~, !~).
// - `readReplay(text, file?)`: OpenMetrics / Prometheus text with timestamps into a new store
//   (gaps kept, counter resets left to rate() as Prometheus does); `writeOpenMetrics` the reverse.
// - `parseExpr(text)`: PromQL into an AST (`Expr`); errors are `InsightError`
//   `HOLDFAST_E_PROMQL_PARSE` with the column. `walkSelectors` visits its selectors.
// - `PromqlEngine(store, { lookbackDeltaMs? })`: `query(expr, t)` → `PromqlValue`,
//   `queryVector(expr, t)` → samples, `queryRange(expr, start, end, step)` → `RangeSeries[]`.
//   Prometheus 2.42's semantics (lookback 5 m, closed ranges, extrapolated rate/increase, matching
//   rules of binary operators, aggregation order); test/promql/prometheus-parity.serial.test.ts
//   compares it with a real Prometheus.
// - `RuleEvaluator(store, ruleFile | compiledGroups, engineOptions?)`: `evaluate(t)` runs every
//   group once at `t` and returns the `AlertChange`s (pending / firing / resolved, with labels,
//   value and expanded annotations); `firing(t)` and `active()` list the current alerts.
//   Recording rules write back into the store. Call it at each group's interval.
// - `compileRules(ruleFile)`: validates a rule file given as data (the shape of Prometheus's YAML)
//   and returns `CompiledGroup[]` (errors name group, rule index and field); `historyNeeded(groups)`
//   is how much history (ms) a store must keep for them.
// - `stepAlert(state, event, policy)`: the alert state machine on its own (pure, returns effects).
// - `generateRules({ baselines, slos })`: the Prometheus rule file (as data) of `makeBaseline(...)`
//   and `makeSlo(...)` specs; `alertStrategies` are the seasonal / adaptive / robust / static /
//   week-average bands behind it, `burnWindows` the SLO burn-rate windows.
// - `catalogFromExposition(text)`: the metric families (and types) a /metrics text exposes.
export { InsightError, type Issue } from './errors.ts';
export { parseExpr } from './promql/parser.ts';
export { walkSelectors, type Expr, type VectorSelector, type Matcher } from './promql/ast.ts';
export {
  Engine as PromqlEngine,
  DEFAULT_LOOKBACK_MS,
  type EngineOptions as PromqlEngineOptions,
  type Value as PromqlValue,
  type Sample as PromqlSample,
  type RangeSeries,
} from './promql/engine.ts';
export { SeriesStore, Series, matches } from './promql/store.ts';
export { parsePromDuration, formatPromDuration } from './promql/duration.ts';
export { labelsFrom, labelsToObject, type Labels } from './promql/labels.ts';
export { RuleEvaluator, type AlertChange } from './rules/evaluator.ts';
export {
  compileRules,
  historyNeeded,
  type RuleFile,
  type RuleGroupSpec,
  type RuleSpec,
  type RecordingRuleSpec,
  type AlertingRuleSpec,
  type CompiledGroup,
} from './rules/rule-file.ts';
export {
  stepAlert,
  type AlertState,
  type AlertStateName,
  type AlertEvent,
  type AlertEffect,
  type AlertPolicy,
} from './rules/alert-state.ts';
export { humanize, humanizeDuration } from './rules/template.ts';
export { generateRules } from './thresholds/generate.ts';
export {
  makeBaseline,
  makeSlo,
  DEFAULTS as ALERT_DEFAULTS,
  REQUESTS_METRIC,
  DURATION_METRIC,
  type BaselineInput,
  type SloInput,
} from './thresholds/defaults.ts';
export { burnWindows, type BurnWindow } from './thresholds/slo-rules.ts';
export { strategies as alertStrategies, type Strategy as AlertStrategy, type Band } from './thresholds/strategies/index.ts';
export {
  STRATEGIES,
  BASELINE_STRATEGIES,
  type AlertsConfig,
  type BaselineSpec,
  type SloSpec,
  type StrategyName,
  type BaselineSignal,
  type Direction,
  type AlertMeta,
} from './thresholds/types.ts';
export { catalogFromExposition } from './thresholds/catalog.ts';
export type { MetricCatalog, MetricInfo } from './thresholds/catalog-types.ts';
export { readReplay, writeOpenMetrics, medianInterval, type ReplayRead } from './replay/openmetrics.ts';
