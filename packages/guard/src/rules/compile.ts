// The rule manager's build step: turns a validated rule set into per-resource checker lists.
// A rule whose definition did not change keeps its checker, and so its state (an open breaker
// stays open, a warm-up keeps its warmth, a throttle keeps its pace); a changed rule starts
// fresh. The guard then swaps every resource's list in one synchronous pass, so no request
// ever sees half of an old rule set and half of a new one.
import type { Breaker, BreakerStateChange } from '../breaker/breaker.ts';
import { createBreaker } from '../breaker/create.ts';
import { FlowChecker } from '../flow/checker.ts';
import { HotspotChecker } from '../hotspot/checker.ts';
import { IsolationChecker } from '../isolation/checker.ts';
import type { ResourceNode } from '../stat/resource-node.ts';
import { SystemProtection } from '../system/protection.ts';
import type { SystemSignals } from '../system/signals.ts';
import { canonical, ruleFingerprints } from './diff.ts';
import type { NormalizedRules } from './validate.ts';

/** The checkers one resource runs, in order: isolation, flow, per-key, breakers. */
export interface ResourceRules {
  readonly isolation: readonly IsolationChecker[];
  readonly flow: readonly FlowChecker[];
  readonly hotspot: readonly HotspotChecker[];
  readonly breakers: readonly Breaker[];
  /** False only for NO_RULES: lets the hot path skip four empty loops. */
  readonly any: boolean;
}

export const NO_RULES: ResourceRules = Object.freeze({ isolation: [], flow: [], hotspot: [], breakers: [], any: false });

type Checker = FlowChecker | HotspotChecker | IsolationChecker | Breaker;

export interface CompiledRules {
  rules: NormalizedRules;
  byResource: Map<string, ResourceRules>;
  /** Checker per rule id, with the fingerprint it was built from. */
  checkers: Map<string, { fp: string; checker: Checker }>;
  system: SystemProtection | null;
}

export interface CompileContext {
  node(resource: string): ResourceNode;
  signals: SystemSignals;
  onBreakerChange(change: BreakerStateChange): void;
  random?: () => number;
}

export function compileRules(rules: NormalizedRules, previous: CompiledRules | null, ctx: CompileContext): CompiledRules {
  const fps = ruleFingerprints(rules);
  const checkers = new Map<string, { fp: string; checker: Checker }>();
  const reuse = <T extends Checker>(id: string, build: () => T): T => {
    const fp = fps.get(id)!;
    const old = previous?.checkers.get(id);
    const checker = old && old.fp === fp ? (old.checker as T) : build();
    checkers.set(id, { fp, checker });
    return checker;
  };
  const lists = new Map<string, { isolation: IsolationChecker[]; flow: FlowChecker[]; hotspot: HotspotChecker[]; breakers: Breaker[] }>();
  const at = (resource: string) => {
    let l = lists.get(resource);
    if (!l) lists.set(resource, (l = { isolation: [], flow: [], hotspot: [], breakers: [] }));
    return l;
  };
  for (const r of rules.isolation) at(r.resource).isolation.push(reuse(r.id, () => new IsolationChecker(r)));
  for (const r of rules.flow) {
    at(r.resource).flow.push(reuse(r.id, () => new FlowChecker(r, ctx.node(r.relation === 'associated' ? r.refResource! : r.resource), ctx.signals)));
  }
  for (const r of rules.hotspot) at(r.resource).hotspot.push(reuse(r.id, () => new HotspotChecker(r)));
  for (const r of rules.breakers) at(r.resource).breakers.push(reuse(r.id, () => createBreaker(r, ctx.onBreakerChange)));

  const byResource = new Map<string, ResourceRules>();
  for (const [resource, l] of lists) byResource.set(resource, Object.freeze({ ...l, any: true }));

  let system: SystemProtection | null = null;
  if (rules.system) {
    const same = previous?.system && canonical(previous.system.rule) === canonical(rules.system);
    system = same ? previous.system : new SystemProtection(rules.system, ctx.signals, ctx.random);
  }
  return { rules, byResource, checkers, system };
}
