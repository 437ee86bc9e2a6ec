// @holdfast/insight: the monitoring layer (log template mining, pattern-change signals,
// incidents, generated alert rules, root-cause ranking). Zero runtime dependencies beyond Node.
export { InsightError, insightErrors, formatIssues, formatPath, type InsightErrorCode, type Issue } from './errors.ts';

// ---- incidents: signals, grouping, the incident state machine ----
export {
  SIGNAL_KINDS,
  SIGNAL_SOURCES,
  SEVERITIES,
  sourceOf,
  severityRank,
  validateSignal,
  validateSignals,
  type Signal,
  type SignalKind,
  type SignalSource,
  type SignalError,
  type Severity,
} from './incidents/signal.ts';
export {
  fingerprint,
  inAppFrames,
  CURRENT_GROUPING,
  GROUPING_VERSIONS,
  DEDUP_KEY_MAX,
  type Grouping,
  type GroupingVersion,
} from './incidents/fingerprint.ts';
export {
  INCIDENT_STATES,
  INCIDENT_EVENT_TYPES,
  type IncidentState,
  type IncidentStateName,
  type IncidentEvent,
  type IncidentEffect,
  type IncidentContext,
  type Resolution,
  type HistoryKind,
} from './incidents/states.ts';
export { openIncident, transitionIncident, acceptsIncident } from './incidents/machine.ts';
export { IncidentEngine, type EngineOptions, type IngestResult, type EngineStats } from './incidents/engine.ts';
export { SqliteIncidentStore, type SqliteStoreOptions } from './incidents/sqlite-store.ts';
export type { IncidentStore, IncidentFilter, NotificationFilter, RuleHistoryRow, WriteBatch } from './incidents/store.ts';
export type { Incident, HistoryEntry, Occurrence } from './incidents/incident.ts';
export type { StoreHealth } from './incidents/persister.ts';
export {
  validateIncidentsConfig,
  parseDuration,
  RECEIVER_TYPES,
  GROUP_FIELDS,
  type IncidentsConfig,
  type ReceiverConfig,
  type RouteConfig,
  type RouteMatch,
  type SilenceConfig,
  type ReceiverType,
} from './incidents/config.ts';

// ---- the knowledge base ----
export {
  validateKnowledge,
  regexProblem,
  type KnowledgeBase,
  type KnowledgeEntry,
  type KnowledgeMatch,
  type KnowledgeAction,
} from './knowledge/entry.ts';
export { Classifier, type Classification } from './knowledge/classify.ts';
export { BUILTIN_RULES, builtinFor, type BuiltinRule } from './knowledge/builtins.ts';
export { learnedEntry, type LearnOptions } from './knowledge/learn.ts';

// ---- notifications ----
export { signatureOf } from './notify/deliver.ts';
export type { NotificationRecord, NotificationItem, NotificationStatus, NotifyAction, HeldReason } from './notify/record.ts';
export type { Silence, SilenceMatchers } from './notify/silence.ts';

// ---- the alert ledger ----
export { lintRules, formatFinding, type LintFinding, type LintCheck, type LintOptions } from './ledger/lint.ts';
export { knowledgeRules, builtinRules, describeMatch, type LedgerRule, type Position } from './ledger/rule.ts';
export { alertReport, type RuleReport, type Suggestion } from './ledger/report.ts';
export { runAlertStorm, type StormOptions, type StormReport } from './incidents/drill.ts';
export { incidentsJsonSchema } from './incidents/json-schema.ts';
export { patternIsIncident, signalFromPattern } from './incidents/from-pattern.ts';
export { fnv1a64 } from './incidents/hash.ts';

// ---- log template mining and pattern-change signals ----
export * from './mining/index.ts';
export * from './lines/index.ts';

// ---- the compact metrics store and root-cause ranking (also @holdfast/insight/rootcause) ----
export * from './rootcause-entry.ts';

// ---- PromQL, rule evaluation, generated alert rules and their backtest ----
export { parseExpr } from './promql/parser.ts';
export type { Expr } from './promql/ast.ts';
export {
  Engine as PromqlEngine,
  DEFAULT_LOOKBACK_MS,
  type EngineOptions as PromqlEngineOptions,
  type Value as PromqlValue,
  type Sample as PromqlSample,
  type RangeSeries,
} from './promql/engine.ts';
export { SeriesStore, Series } from './promql/store.ts';
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
export {
  generateReplay,
  DEFAULT_ROUTES,
  DEFAULT_BUCKETS,
  INCIDENT_SHAPES,
  type SyntheticOptions,
  type SyntheticReplay,
  type ReplayIncident,
  type IncidentShape,
  type RouteSpec,
} from './replay/synthetic.ts';
export {
  runBacktest,
  DEFAULT_VARIANTS,
  type BacktestOptions,
  type BacktestResult,
  type StrategyResult,
  type BacktestVariant,
} from './backtest/run.ts';
export { scoreEpisodes, type Score, type LabelledIncident } from './backtest/score.ts';
export { EpisodeLog, type Episode } from './backtest/episodes.ts';
export { parseIncidents } from './backtest/incidents-file.ts';
