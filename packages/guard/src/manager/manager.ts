// The rule manager: validates a rule set as a whole, builds its checkers (reusing those of
// unchanged rules), and swaps them onto every resource in one synchronous pass. It owns the
// loaded rules; the guard reads them through it and never reaches into its state.
import type { BreakerChecker } from '../breaker/checker.ts';
import type { RuleIssue } from '../errors.ts';
import type { SamplingNeed } from '../signals/sampling.ts';
import type { ResourceRegistry } from '../stat/registry.ts';
import type { SystemChecker } from '../system/checker.ts';
import { type Checker, type CompileContext, type CompiledRules, NO_RULES, type ResourceRules, compileRules } from './compile.ts';
import { type RulesDiff, diffRules } from './diff.ts';
import { type NormalizedRules, validateRules } from './validate.ts';

export type LoadResult = { ok: true; rules: NormalizedRules; diff: RulesDiff } | { ok: false; issues: RuleIssue[] };

export class RuleManager {
  private readonly registry: ResourceRegistry<ResourceRules>;
  private readonly ctx: CompileContext;
  private compiled: CompiledRules | null = null;

  constructor(registry: ResourceRegistry<ResourceRules>, ctx: Omit<CompileContext, 'node'>) {
    this.registry = registry;
    // Rules create their resources' nodes even beyond maxResources: ruled resources are always tracked.
    this.ctx = { ...ctx, node: (name) => registry.force(name) };
  }

  /** Validates `input` and, when every rule is usable, swaps it in. On any issue nothing changes. */
  load(input: unknown): LoadResult {
    const result = validateRules(input);
    if (!result.ok) return result;
    const rules = result.rules;
    if (this.ctx.cluster === null) {
      const issues: RuleIssue[] = [];
      for (const kind of ['flow', 'hotspot'] as const) {
        rules[kind].forEach((r, i) => {
          if (r.clusterMode)
            issues.push({
              path: [kind, i, 'clusterMode'],
              message:
                `rule ` +
                `'${r.id}' is global across replicas but this guard has no cluster store: pass ` +
                `createGuard({ cluster: { store: redisClusterStore({ redis }) } }) from @holdfast/guard/cluster-redis, or ` +
                `remove clusterMode`,
            });
        });
      }
      if (issues.length) return { ok: false, issues };
    }
    const diff = diffRules(this.compiled?.rules ?? null, rules);
    const compiled = compileRules(rules, this.compiled, this.ctx);
    const registry = this.registry;
    for (const name of compiled.byResource.keys()) registry.force(name);
    // The swap itself: plain assignments, no await in between.
    for (const node of registry.nodes.values()) node.rules = compiled.byResource.get(node.name) ?? NO_RULES;
    registry.rulesFor = (name) => compiled.byResource.get(name) ?? NO_RULES;
    this.compiled = compiled;
    return { ok: true, rules, diff };
  }

  /** The loaded rules (defaults filled in), or null before the first load. */
  get rules(): NormalizedRules | null {
    return this.compiled?.rules ?? null;
  }

  get system(): SystemChecker | null {
    return this.compiled?.system ?? null;
  }

  /** The checker of rule `id` as loaded now. */
  checker(id: string): Checker | undefined {
    return this.compiled?.checkers.get(id)?.checker;
  }

  /** Every breaker, in rule order. */
  breakers(): BreakerChecker[] {
    const out: BreakerChecker[] = [];
    for (const r of this.compiled?.rules.breakers ?? []) out.push(this.checker(r.id) as BreakerChecker);
    return out;
  }

  /** The cluster rules (flow and per-key), in rule order. */
  clusterRules(): { id: string; resource: string; threshold: number }[] {
    const rules = this.compiled?.rules;
    if (!rules) return [];
    return [...rules.flow.filter((r) => r.clusterMode), ...rules.hotspot.filter((r) => r.clusterMode)];
  }

  /** Whether the loaded rules need load signals sampled, and how often. */
  samplingNeed(): SamplingNeed {
    const rules = this.compiled?.rules;
    const system = rules?.system ?? null;
    const needed = system !== null || (rules?.flow.some((r) => r.strategy === 'memoryAdaptive') ?? false);
    const need: SamplingNeed = { needed, intervalMs: system?.sampleIntervalMs ?? 1000 };
    if (system?.cpuCores !== undefined) need.cpuCores = system.cpuCores;
    return need;
  }
}
