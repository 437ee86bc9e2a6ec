// An instance's cluster and adaptive rules from its holdfast_guard_* samples (the metrics of
// @holdfast/guard/prometheus): pure, samples in, rules out. Only the rules whose limit depends on
// more than this process are kept: cluster rules (their mode, and in fallback the share they
// enforce) and adaptive ones (the learned limit and its bounds); a plain local rule's limit is
// what its rules file says.
import type { GuardRuleStatus } from '../api/types.ts';
import type { Sample } from './prom-text.ts';

const MODES = new Set(['local', 'cluster', 'fallback']);

export interface InstanceRules {
  liveReplicas: number | null;
  rules: GuardRuleStatus[];
}

export function ruleStatuses(samples: readonly Sample[]): InstanceRules {
  const byRule = new Map<string, GuardRuleStatus>();
  const rule = (s: Sample): GuardRuleStatus => {
    const resource = s.labels.resource ?? '';
    const id = s.labels.rule ?? '';
    const k = `${resource}\0${id}`;
    let r = byRule.get(k);
    if (!r) {
      r = {
        rule: id,
        resource,
        kind: 'hotspot',
        strategy: null,
        mode: 'local',
        limit: null,
        threshold: null,
        minLimit: null,
        maxLimit: null,
      };
      byRule.set(k, r);
    }
    return r;
  };
  let liveReplicas: number | null = null;
  for (const s of samples) {
    switch (s.name) {
      case 'holdfast_guard_rule_mode':
        if (s.value === 1 && MODES.has(s.labels.mode ?? '')) rule(s).mode = s.labels.mode as GuardRuleStatus['mode'];
        break;
      case 'holdfast_guard_flow_threshold': {
        const r = rule(s);
        r.kind = 'flow';
        r.limit = s.value;
        r.strategy = s.labels.strategy ?? null;
        break;
      }
      case 'holdfast_guard_rule_threshold': {
        const r = rule(s);
        r.threshold = s.value;
        if (s.labels.kind === 'flow') r.kind = 'flow';
        break;
      }
      case 'holdfast_guard_flow_limit_bounds':
        if (s.labels.bound === 'min') rule(s).minLimit = s.value;
        else if (s.labels.bound === 'max') rule(s).maxLimit = s.value;
        break;
      case 'holdfast_guard_cluster_live_replicas':
        liveReplicas = s.value;
        break;
    }
  }
  const rules = [...byRule.values()]
    .filter((r) => r.mode !== 'local' || r.strategy === 'adaptive')
    .sort((a, b) => a.resource.localeCompare(b.resource) || a.rule.localeCompare(b.rule));
  return { liveReplicas: rules.some((r) => r.mode !== 'local') ? liveReplicas : null, rules };
}
