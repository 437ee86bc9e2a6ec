// Read-only views of a guard for exporters, dashboards and tests: per-resource counters, breaker
// states and system protection. Built on demand (allocates), never on the hot path.
import { BLOCK_REASONS, type BlockReason } from './block-reason.ts';
import type { BreakerState } from './breaker/breaker.ts';
import type { Breaker } from './breaker/breaker.ts';
import type { Guard } from './guard.ts';
import { RT_BOUNDS_MS } from './stat/rt-histogram.ts';
import type { SystemState } from './system/protection.ts';
import type { SignalName } from './system/signals.ts';

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

export interface GuardSnapshot {
  at: number;
  resources: ResourceStats[];
  breakers: BreakerStatus[];
  system: (SystemState & { dryRun: boolean }) | null;
  signals: Record<SignalName, number>;
  rules: { flow: number; breakers: number; hotspot: number; isolation: number; system: boolean };
}

function byReason(a: Float64Array): Record<BlockReason, number> {
  const out = {} as Record<BlockReason, number>;
  BLOCK_REASONS.forEach((r, i) => (out[r] = a[i]!));
  return out;
}

export function snapshot(guard: Guard): GuardSnapshot {
  const now = guard.clock.now();
  const { nodes, compiled, system } = guard.internals;
  const resources: ResourceStats[] = [];
  for (const node of nodes.values()) {
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
  const breakers: BreakerStatus[] = [];
  for (const { checker } of compiled?.checkers.values() ?? []) {
    if (!('stateAt' in checker)) continue;
    const b = checker as Breaker;
    breakers.push({ resource: b.rule.resource, ruleId: b.rule.id, strategy: b.rule.strategy, state: b.stateAt(now), dryRun: b.dryRun });
  }
  const rules = compiled?.rules;
  return {
    at: now,
    resources,
    breakers,
    system: system ? { ...system.state(now), dryRun: system.dryRun } : null,
    signals: guard.signals.snapshot(),
    rules: { flow: rules?.flow.length ?? 0, breakers: rules?.breakers.length ?? 0, hotspot: rules?.hotspot.length ?? 0, isolation: rules?.isolation.length ?? 0, system: !!rules?.system },
  };
}
