// @holdfast/insight: the monitoring layer (log template mining, pattern-change signals,
// incidents, generated alert rules, root-cause ranking). Zero runtime dependencies beyond Node.
export { InsightError, insightErrors, formatIssues, formatPath, type InsightErrorCode, type Issue } from './errors.ts';

// ---- incidents: signals, grouping, the incident state machine ----
export { SIGNAL_KINDS, SIGNAL_SOURCES, SEVERITIES, sourceOf, severityRank, validateSignal, validateSignals, type Signal, type SignalKind, type SignalSource, type SignalError, type Severity } from './incidents/signal.ts';
export { fingerprint, inAppFrames, CURRENT_GROUPING, GROUPING_VERSIONS, DEDUP_KEY_MAX, type Grouping, type GroupingVersion } from './incidents/fingerprint.ts';
export { INCIDENT_STATES, INCIDENT_EVENT_TYPES, type IncidentState, type IncidentStateName, type IncidentEvent, type IncidentEffect, type IncidentContext, type Resolution, type HistoryKind } from './incidents/states.ts';
export { openIncident, transitionIncident, acceptsIncident } from './incidents/machine.ts';
