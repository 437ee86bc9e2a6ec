// What a rule swap changed, by rule id: logged on every swap and carried by the swap event.
import type { NormalizedRules } from './validate.ts';
import { RULE_KINDS } from './validate.ts';

export interface RulesDiff {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: number;
  /** 'added' | 'removed' | 'changed' | 'unchanged' for the system rule. */
  system: 'added' | 'removed' | 'changed' | 'unchanged' | 'none';
}

/** Each rule of a set, by id, as a canonical string (stable key order) for comparison. */
export function ruleFingerprints(rules: NormalizedRules): Map<string, string> {
  const out = new Map<string, string>();
  for (const kind of RULE_KINDS) {
    for (const r of rules[kind] as { id: string }[]) out.set(r.id, `${kind}:${canonical(r)}`);
  }
  return out;
}

export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

export function diffRules(before: NormalizedRules | null, after: NormalizedRules): RulesDiff {
  const a = before ? ruleFingerprints(before) : new Map<string, string>();
  const b = ruleFingerprints(after);
  const diff: RulesDiff = { added: [], removed: [], changed: [], unchanged: 0, system: 'none' };
  for (const [id, fp] of b) {
    const old = a.get(id);
    if (old === undefined) diff.added.push(id);
    else if (old !== fp) diff.changed.push(id);
    else diff.unchanged++;
  }
  for (const id of a.keys()) if (!b.has(id)) diff.removed.push(id);
  const sa = before?.system ?? null;
  const sb = after.system;
  diff.system =
    sa === null ? (sb === null ? 'none' : 'added') : sb === null ? 'removed' : canonical(sa) === canonical(sb) ? 'unchanged' : 'changed';
  return diff;
}
