// The rule manager's build step: turns a validated rule set into per-resource checker lists.
// A rule whose definition did not change keeps its checker, and so its state (an open breaker
// stays open, a warm-up keeps its warmth, a throttle keeps its pace); a changed rule starts
// fresh. The manager then swaps every resource's list in one synchronous pass, so no request
// ever sees half of an old rule set and half of a new one.
import { BreakerChecker, type BreakerStateChange } from '../breaker/checker.ts';
import type { ClusterLink } from '../cluster/link.ts';
import { FlowChecker } from '../flow/checker.ts';
import { HotspotChecker } from '../hotspot/checker.ts';
import { IsolationChecker } from '../isolation/checker.ts';
import type { SystemSignals } from '../signals/signals.ts';
import type { ResourceNode } from '../stat/resource-node.ts';
import { SystemChecker } from '../system/checker.ts';
import { canonical, ruleFingerprints } from './diff.ts';
import type { NormalizedRules, RuleKind } from './validate.ts';

/** The checkers one resource runs, in order: isolation, flow, per-key, breakers. */
export interface ResourceRules {
  readonly isolation: readonly IsolationChecker[];
  readonly flow: readonly FlowChecker[];
  readonly hotspot: readonly HotspotChecker[];
  readonly breakers: readonly BreakerChecker[];
  /** The flow checkers that learn from completions (adaptive): usually none. */
  readonly completions: readonly FlowChecker[];
  /** False only for NO_RULES: lets the hot path skip four empty loops. */
  readonly any: boolean;
}

export const NO_RULES: ResourceRules = Object.freeze({ isolation: [], flow: [], hotspot: [], breakers: [], completions: [], any: false });

export type Checker = FlowChecker | HotspotChecker | IsolationChecker | BreakerChecker;

export interface CompiledRules {
  rules: NormalizedRules;
  byResource: Map<string, ResourceRules>;
  /** Checker per rule id, with the fingerprint it was built from. */
  checkers: Map<string, { fp: string; checker: Checker }>;
  system: SystemChecker | null;
}

/** What checkers need from their guard: nodes to measure, load signals, a breaker listener. */
export interface CompileContext {
  node(resource: string): ResourceNode;
  signals: SystemSignals;
  onBreakerChange(change: BreakerStateChange): void;
  /** The cluster store's link, when the guard has one (cluster rules need it). */
  cluster: ClusterLink | null;
  random?: (() => number) | undefined;
}

interface CheckerOf {
  isolation: IsolationChecker;
  flow: FlowChecker;
  hotspot: HotspotChecker;
  breakers: BreakerChecker;
}
type Lists = { [K in RuleKind]: CheckerOf[K][] };

// Each kind's checker, built from its rule: the one place that knows how.
const build: { [K in RuleKind]: (rule: NormalizedRules[K][number], ctx: CompileContext) => CheckerOf[K] } = {
  isolation: (r) => new IsolationChecker(r),
  flow: (r, ctx) => new FlowChecker(r, ctx.node(r.relation === 'associated' ? r.refResource! : r.resource), ctx.signals, ctx.cluster),
  hotspot: (r, ctx) => new HotspotChecker(r, ctx.cluster),
  breakers: (r, ctx) => new BreakerChecker(r, ctx.onBreakerChange),
};

export function compileRules(rules: NormalizedRules, previous: CompiledRules | null, ctx: CompileContext): CompiledRules {
  const fps = ruleFingerprints(rules);
  const checkers = new Map<string, { fp: string; checker: Checker }>();
  const lists = new Map<string, Lists>();
  const add = <K extends RuleKind>(kind: K): void => {
    for (const rule of rules[kind] as NormalizedRules[K][number][]) {
      const fp = fps.get(rule.id)!;
      const old = previous?.checkers.get(rule.id);
      const checker = old && old.fp === fp ? (old.checker as CheckerOf[K]) : build[kind](rule, ctx);
      checkers.set(rule.id, { fp, checker });
      let l = lists.get(rule.resource);
      if (!l) lists.set(rule.resource, (l = { isolation: [], flow: [], hotspot: [], breakers: [] }));
      l[kind].push(checker);
    }
  };
  // The hot path's order: bulkheads, flow, per-key, breakers.
  add('isolation');
  add('flow');
  add('hotspot');
  add('breakers');

  const byResource = new Map<string, ResourceRules>();
  for (const [resource, l] of lists)
    byResource.set(resource, Object.freeze({ ...l, completions: l.flow.filter((c) => c.adaptive !== null), any: true }));

  let system: SystemChecker | null = null;
  if (rules.system) {
    const same = previous?.system && canonical(previous.system.rule) === canonical(rules.system);
    system = same ? previous.system : new SystemChecker(rules.system, ctx.signals, ctx.random);
  }
  return { rules, byResource, checkers, system };
}
