// Read-only views of a guard for exporters, dashboards and tests: per-resource counters, breaker
// states and system protection. Built on demand (allocates), never on the hot path.
import { BLOCK_REASONS, type BlockReason } from './block-reason.ts';
import type { BreakerState } from './breaker/checker.ts';
import type { FlowChecker } from './flow/checker.ts';
import type { HotspotChecker } from './hotspot/checker.ts';
import type { RuleManager } from './manager/manager.ts';
import type { SignalName, SystemSignals } from './signals/signals.ts';
import type { ResourceNode } from './stat/resource-node.ts';
import { RT_BOUNDS_MS } from './stat/rt-histogram.ts';
import type { SystemState } from './system/checker.ts';

export interface ResourceStats {
  resource: string;
  /** Lifetime counts (batch units). */
  pass: number;
  block: Record<BlockReason, number>;
  wouldBlock: Record<BlockReason, number>;
  success: number;
  error: number;
  cancelled: number;
  inflight: number;
  /** Passes per second over the last second. */
  passQps: number;
  /** Response times: cumulative histogram (upper bounds in ms, +Inf last), sum and count. */
  rt: { boundsMs: readonly number[]; buckets: number[]; sumMs: number; count: number };
}

export interface BreakerStatus {
  resource: string;
  ruleId: string;
  strategy: string;
  state: BreakerState;
  dryRun: boolean;
}

/** A flow rule's limit in force now (adaptive: as learned; cluster fallback: this replica's share). */
export interface FlowStatus {
  resource: string;
  ruleId: string;
  strategy: string;
  metric: string;
  threshold: number;
  /** The rule's own threshold: across every replica for a cluster rule, the starting limit for an adaptive one. */
  ruleThreshold: number;
  /** Adaptive rules: the bounds the learned limit stays within; null for other strategies. */
  minLimit: number | null;
  maxLimit: number | null;
  /** 'local' for a per-process rule; a cluster rule is in 'cluster' or 'fallback' mode. */
  mode: RuleMode;
}

export type RuleMode = 'local' | 'cluster' | 'fallback';

/** A per-key rule and how many keys it remembers now (at most maxKeys). */
export interface HotspotStatus {
  resource: string;
  ruleId: string;
  /** Each key's threshold (across every replica for a cluster rule; overrides aside). */
  threshold: number;
  keys: number;
  maxKeys: number;
  mode: RuleMode;
}

/** The guard's link to its cluster store: the mode of its cluster rules and the replica count their fallback shares divide by. */
export interface ClusterStatus {
  mode: 'cluster' | 'fallback';
  liveReplicas: number;
}

export interface GuardSnapshot {
  at: number;
  resources: ResourceStats[];
  breakers: BreakerStatus[];
  flow: FlowStatus[];
  hotspot: HotspotStatus[];
  /** null when the guard has no cluster store. */
  cluster: ClusterStatus | null;
  system: (SystemState & { dryRun: boolean }) | null;
  signals: Record<SignalName, number>;
  rules: { flow: number; breakers: number; hotspot: number; isolation: number; system: boolean };
}

function byReason(a: Float64Array): Record<BlockReason, number> {
  const out = {} as Record<BlockReason, number>;
  BLOCK_REASONS.forEach((r, i) => (out[r] = a[i]!));
  return out;
}

/** What a snapshot is read from: the guard hands over its parts, read-only. */
export interface Observed {
  nodes: Iterable<ResourceNode>;
  manager: RuleManager;
  signals: SystemSignals;
  /** The cluster store's link now (null: the guard has no cluster store). */
  cluster: ClusterStatus | null;
}

export function snapshot(now: number, { nodes, manager, signals, cluster }: Observed): GuardSnapshot {
  const modeOf = (r: { clusterMode: boolean }): RuleMode => (r.clusterMode && cluster !== null ? cluster.mode : 'local');
  const resources: ResourceStats[] = [];
  for (const node of nodes) {
    let cum = 0;
    resources.push({
      resource: node.name,
      pass: node.passTotal,
      block: byReason(node.blockTotal),
      wouldBlock: byReason(node.wouldBlockTotal),
      success: node.successTotal,
      error: node.errorTotal,
      cancelled: node.cancelTotal,
      inflight: node.inflight,
      passQps: node.passQps(now),
      rt: { boundsMs: RT_BOUNDS_MS, buckets: Array.from(node.rt.counts, (c) => (cum += c)), sumMs: node.rt.sumMs, count: node.rt.count },
    });
  }
  const breakers: BreakerStatus[] = manager
    .breakers()
    .map((b) => ({ resource: b.rule.resource, ruleId: b.rule.id, strategy: b.rule.strategy, state: b.stateAt(now), dryRun: b.dryRun }));
  const rules = manager.rules;
  const flow: FlowStatus[] = (rules?.flow ?? []).map((r) => ({
    resource: r.resource,
    ruleId: r.id,
    strategy: r.strategy,
    metric: r.metric,
    threshold: (manager.checker(r.id) as FlowChecker).currentThreshold(now),
    ruleThreshold: r.threshold,
    minLimit: r.strategy === 'adaptive' ? r.minLimit! : null,
    maxLimit: r.strategy === 'adaptive' ? r.maxLimit! : null,
    mode: modeOf(r),
  }));
  const hotspot: HotspotStatus[] = (rules?.hotspot ?? []).map((r) => ({
    resource: r.resource,
    ruleId: r.id,
    threshold: r.threshold,
    keys: (manager.checker(r.id) as HotspotChecker).table.size,
    maxKeys: r.maxKeys,
    mode: modeOf(r),
  }));
  const system = manager.system;
  return {
    at: now,
    resources,
    breakers,
    flow,
    hotspot,
    cluster,
    system: system ? { ...system.state(now), dryRun: system.dryRun } : null,
    signals: signals.snapshot(),
    rules: {
      flow: rules?.flow.length ?? 0,
      breakers: rules?.breakers.length ?? 0,
      hotspot: rules?.hotspot.length ?? 0,
      isolation: rules?.isolation.length ?? 0,
      system: !!rules?.system,
    },
  };
}
