// @holdfast/guard: flow control, circuit breaking, per-key limits, bulkheads and adaptive
// system protection, with no runtime dependency. Subpaths add what needs one:
// @holdfast/guard/rules (zod schemas, JSON Schema, YAML/JSON file source),
// @holdfast/guard/fastify (the Fastify plugin), @holdfast/guard/prometheus (a prom-client collector).
export { Guard, createGuard, type GuardOptions } from './guard.ts';
export { Entry, type EntryOptions, type ExitOptions } from './entry.ts';
export { BlockError, type BlockingRule } from './block-error.ts';
export { BLOCK_REASONS, type BlockReason } from './block-reason.ts';
export { GuardError, RulesError, errorTable, formatIssue, type GuardErrorCode, type RuleIssue } from './errors.ts';
export { type AsyncEntryOptions, type RunOptions, type WrapOptions } from './run.ts';
export { type Clock, CachedClock, ManualClock, cachedClock, preciseClock } from './clock.ts';
export { type ClusterModeEvent, type GuardEvents, type GuardLogger, type SheddingEvent, type WouldBlockEvent } from './events.ts';
export { type GuardRules, type NormalizedRules, type ValidationResult, validateRules, RULE_KINDS } from './manager/validate.ts';
export { type RulesDiff, diffRules } from './manager/diff.ts';
export { type FlowRule, type NormalizedFlowRule, FLOW_BEHAVIORS, FLOW_METRICS, FLOW_RELATIONS, FLOW_STRATEGIES } from './flow/rule.ts';
export {
  type BreakerRule,
  type NormalizedBreakerRule,
  type BreakerMode,
  type BreakerStrategyName,
  BREAKER_MODES,
  BREAKER_STRATEGIES,
} from './breaker/rule.ts';
export { type BreakerState, type BreakerStateChange, type BreakerTransitionReason, BREAKER_STATES } from './breaker/checker.ts';
export { type HotspotRule, type NormalizedHotspotRule, HOTSPOT_METRICS } from './hotspot/rule.ts';
export { type IsolationRule, type NormalizedIsolationRule } from './isolation/rule.ts';
export { type SystemRule, type NormalizedSystemRule, TRIGGERS } from './system/rule.ts';
export { type Priority, PRIORITIES } from './system/priority.ts';
export { type SystemState } from './system/checker.ts';
export { type SignalName, type SignalReadings, SIGNAL_NAMES } from './signals/signals.ts';
export { type CgroupLimits, readCgroupLimits } from './signals/cgroup.ts';
export {
  type GuardSnapshot,
  type ResourceStats,
  type BreakerStatus,
  type FlowStatus,
  type HotspotStatus,
  type RuleMode,
} from './observe.ts';
export { type ClusterStore, type ClusterOptions, type LeaseRequest, type LeaseGrant, type StoreStatus } from './cluster/store.ts';
export { type ClusterMode, type ClusterModeChange } from './cluster/link.ts';
