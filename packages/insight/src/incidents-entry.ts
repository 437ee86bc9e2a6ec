// @holdfast/insight/incidents: the incident loop alone (signals, grouping, the engine and its
// SQLite store, notifications, the knowledge base's checker, the ledger's report, the drill),
// without the log miner or the rule generator. What the supervisor daemon loads when its config
// has an `incidents:` section: every module here costs it resident memory for months.
export { InsightError, type Issue } from './errors.ts';
export { SEVERITIES, validateSignal, validateSignals, type Signal, type Severity } from './incidents/signal.ts';
export { fingerprint } from './incidents/fingerprint.ts';
export { fnv1a64 } from './incidents/hash.ts';
export { IncidentEngine, type EngineOptions, type IngestResult } from './incidents/engine.ts';
export { SqliteIncidentStore } from './incidents/sqlite-store.ts';
export { validateIncidentsConfig, parseDuration, type IncidentsConfig } from './incidents/config.ts';
export { incidentsJsonSchema } from './incidents/json-schema.ts';
export type { Incident, HistoryEntry } from './incidents/incident.ts';
export type { IncidentFilter } from './incidents/store.ts';
export type { StoreHealth } from './incidents/persister.ts';
export { runAlertStorm, type StormReport } from './incidents/drill.ts';
// Type-only from the miner: the daemon's miner wiring hands its signals over without loading it here.
export { patternIsIncident, signalFromPattern } from './incidents/from-pattern.ts';
export { learnedEntry, type LearnOptions } from './knowledge/learn.ts';
export { builtinFor } from './knowledge/builtins.ts';
export type { KnowledgeBase, KnowledgeEntry } from './knowledge/entry.ts';
export { alertReport } from './ledger/report.ts';
