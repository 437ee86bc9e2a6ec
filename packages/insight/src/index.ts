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
  GROUPINGS,
  DEDUP_KEY_MAX,
  type Grouping,
  type GroupingRules,
  type Groupings,
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

// ---- PromQL, rule evaluation, generated alert rules (also @holdfast/insight/promql) and their backtest ----
export * from './promql-entry.ts';
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
