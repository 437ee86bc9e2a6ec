// The rule set as a whole: its shape, and validation of every rule in it, all-or-nothing. This
// is the core's own validator (no dependencies); @holdfast/guard/rules adds zod schemas that a
// test keeps in agreement with it, and a file source that maps issues to lines.
import { type BreakerRule, type NormalizedBreakerRule, validateBreakerRule } from '../breaker/rule.ts';
import type { RuleIssue } from '../errors.ts';
import { type FlowRule, type NormalizedFlowRule, validateFlowRule } from '../flow/rule.ts';
import { type HotspotRule, type NormalizedHotspotRule, validateHotspotRule } from '../hotspot/rule.ts';
import { type IsolationRule, type NormalizedIsolationRule, validateIsolationRule } from '../isolation/rule.ts';
import { type NormalizedSystemRule, type SystemRule, validateSystemRule } from '../system/rule.ts';
import { Issues, type Obj, type Path, isObject, suggest } from '../rule-fields.ts';

/** Every rule the guard enforces. Kinds left out are empty. */
export interface GuardRules {
  /** Ignored: lets editors find the JSON Schema. */
  $schema?: string;
  flow?: FlowRule[] | null;
  breakers?: BreakerRule[] | null;
  hotspot?: HotspotRule[] | null;
  isolation?: IsolationRule[] | null;
  system?: SystemRule | null;
}

export interface NormalizedRules {
  flow: NormalizedFlowRule[];
  breakers: NormalizedBreakerRule[];
  hotspot: NormalizedHotspotRule[];
  isolation: NormalizedIsolationRule[];
  system: NormalizedSystemRule | null;
}

export const RULE_KINDS = ['flow', 'breakers', 'hotspot', 'isolation'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** Breakers share a 31-bit probe mask per entry. */
export const MAX_BREAKERS_PER_RESOURCE = 31;

export type ValidationResult = { ok: true; rules: NormalizedRules } | { ok: false; issues: RuleIssue[] };

function list<T>(input: Obj, kind: RuleKind, issues: Issues, validate: (r: Obj, path: Path, issues: Issues) => T): T[] {
  const v = input[kind];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    issues.add([kind], `must be a list of rules, got ${typeof v}`);
    return [];
  }
  const out: T[] = [];
  v.forEach((item: unknown, i: number) => {
    if (!isObject(item)) issues.add([kind, i], 'must be an object (a rule)');
    else out.push(validate(item, [kind, i], issues));
  });
  return out;
}

/** Validates a whole rule set; either every rule is usable or every problem is listed. */
export function validateRules(input: unknown): ValidationResult {
  const issues = new Issues();
  if (!isObject(input))
    return {
      ok: false,
      issues: [{ path: [], message: 'rules must be an object with any of: flow, breakers, hotspot, isolation, system' }],
    };
  for (const key of Object.keys(input)) {
    if (key !== '$schema' && key !== 'system' && !(RULE_KINDS as readonly string[]).includes(key)) {
      issues.add(
        [key],
        `unknown rule kind '${key}' (known: ${[...RULE_KINDS, 'system'].join(', ')})`,
        suggest(key, [...RULE_KINDS, 'system']),
      );
    }
  }
  const rules: NormalizedRules = {
    flow: list(input, 'flow', issues, validateFlowRule),
    breakers: list(input, 'breakers', issues, validateBreakerRule),
    hotspot: list(input, 'hotspot', issues, validateHotspotRule),
    isolation: list(input, 'isolation', issues, validateIsolationRule),
    system: input.system === undefined || input.system === null ? null : validateSystemRule(input.system, ['system'], issues),
  };

  // Ids name rules in logs, metrics, events and diffs: they must be unique across kinds.
  const seen = new Map<string, string>();
  for (const kind of RULE_KINDS) {
    (rules[kind] as { id: string }[]).forEach((r, i) => {
      if (!r.id) return;
      const first = seen.get(r.id);
      if (first) issues.add([kind, i, 'id'], `duplicate id '${r.id}' (first used at ${first}); rule ids must be unique`);
      else seen.set(r.id, `${kind}[${i}]`);
    });
  }
  const perResource = new Map<string, number>();
  rules.breakers.forEach((b, i) => {
    const n = (perResource.get(b.resource) ?? 0) + 1;
    perResource.set(b.resource, n);
    if (n === MAX_BREAKERS_PER_RESOURCE + 1)
      issues.add(['breakers', i], `at most ${MAX_BREAKERS_PER_RESOURCE} breakers per resource ('${b.resource}')`);
  });
  if (issues.list.length) return { ok: false, issues: issues.list };
  return { ok: true, rules };
}
