// The alert ledger's view of a rule: every rule that can raise an incident, whatever its source
// (a knowledge-base entry, a built-in of holdfast, a Prometheus alerting rule), with what the
// guide asks the ledger to record: owner, severity, trigger, expected action or runbook.
import { BUILTIN_RULES } from '../knowledge/builtins.ts';
import type { KnowledgeEntry } from '../knowledge/entry.ts';

export interface Position {
  file?: string;
  line?: number;
  column?: number;
}

export interface LedgerRule extends Position {
  /** As incidents name it: 'kb:<id>', 'builtin:<kind>', 'prometheus:<alertname>'. */
  id: string;
  source: 'knowledge' | 'builtin' | 'prometheus';
  /** Path to the rule in its file (for messages). */
  path: (string | number)[];
  owner?: string;
  severity?: string;
  trigger?: string;
  action?: string;
  runbook?: string | string[];
  /** The `for:` duration as written (a Prometheus rule's, a built-in's); undefined when the rule has none. */
  for?: string;
  /** Receiver the rule names itself (a Prometheus rule's `receiver` label). */
  receiver?: string;
  /** Two rules with the same key fire on the same thing (the later is a duplicate). */
  sameAs?: string;
  /** Where a field is, for a finding about it. */
  at?: (field: string) => Position;
}

export function describeMatch(m: KnowledgeEntry['match']): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : Array.isArray(v) ? v.join('|') : `'${v}'`}`)
    .join(', ');
}

/** The knowledge base's entries as ledger rules; `at(index, field)` gives positions when read from a file. */
export function knowledgeRules(
  entries: KnowledgeEntry[],
  where: { file?: string; at?: (index: number, ...path: (string | number)[]) => { line?: number; column?: number } } = {},
): LedgerRule[] {
  return entries.map((e, i) => {
    const pos = (field?: string) => ({
      ...(where.file ? { file: where.file } : {}),
      ...(where.at ? where.at(i, ...(field ? [field] : [])) : {}),
    });
    const r: LedgerRule = {
      id: `kb:${e.id}`,
      source: 'knowledge',
      path: ['entries', i],
      ...pos(),
      trigger: e.trigger ?? describeMatch(e.match),
      sameAs: JSON.stringify(e.match, Object.keys(e.match).sort()),
      at: (f) => pos(f),
    };
    if (e.owner !== undefined) r.owner = e.owner;
    if (e.severity !== undefined) r.severity = e.severity;
    if (e.action !== undefined) r.action = e.action;
    if (e.runbook !== undefined) r.runbook = e.runbook;
    return r;
  });
}

/** holdfast's own rules: every one names its owner (incidents.owner), severity, trigger and runbook. */
export function builtinRules(owner: string): LedgerRule[] {
  return BUILTIN_RULES.map((b) => ({
    id: `builtin:${b.kind}`,
    source: 'builtin',
    path: [],
    owner,
    severity: b.severity,
    trigger: b.trigger,
    action: 'notify',
    runbook: b.runbook,
    ...(b.for ? { for: b.for.text } : {}),
  }));
}
