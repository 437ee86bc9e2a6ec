// `holdfast alerts lint`: every rule that can raise an incident must say who owns it, how bad it
// is, what triggers it and what the on-call does (runbook or action); no two rules may fire on the
// same thing; Prometheus rules need a `for:`; every receiver named must exist. In the spirit of
// cloudflare/pint: findings with file:line, a non-zero exit for CI.
import type { LedgerRule, Position } from './rule.ts';

export type LintCheck = 'owner' | 'severity' | 'trigger' | 'runbook' | 'for' | 'duplicate' | 'receiver' | 'file';

export interface LintFinding extends Position {
  rule: string;
  path: (string | number)[];
  level: 'error' | 'warning';
  check: LintCheck;
  message: string;
  hint?: string;
}

const SEVERITY_WORDS = ['critical', 'error', 'warning', 'info', 'page', 'ticket', 'high', 'medium', 'low'];

export interface LintOptions {
  /** Receivers that exist (from the holdfast config and Alertmanager configs given). Unchecked when undefined. */
  receivers?: readonly string[];
}

export function lintRules(rules: readonly LedgerRule[], o: LintOptions = {}): LintFinding[] {
  const out: LintFinding[] = [];
  const add = (r: LedgerRule, level: LintFinding['level'], check: LintCheck, field: string | undefined, message: string, hint?: string) => {
    const pos = field && r.at ? r.at(field) : { file: r.file, line: r.line, column: r.column };
    out.push({
      rule: r.id,
      path: field ? [...r.path, ...field.split('.')] : r.path,
      level,
      check,
      message,
      ...pos,
      ...(hint ? { hint } : {}),
    });
  };
  const seenId = new Map<string, LedgerRule>();
  const seenKey = new Map<string, LedgerRule>();
  for (const r of rules) {
    if (!r.owner)
      add(
        r,
        'error',
        'owner',
        r.source === 'prometheus' ? 'labels' : undefined,
        'no owner: who gets woken up?',
        r.source === 'prometheus' ? 'add labels.owner (or labels.team)' : 'add owner: <team>',
      );
    if (!r.severity)
      add(
        r,
        'error',
        'severity',
        r.source === 'prometheus' ? 'labels' : undefined,
        'no severity',
        r.source === 'prometheus'
          ? 'add labels.severity: critical, error, warning or info'
          : 'add severity: critical, error, warning or info',
      );
    else if (!SEVERITY_WORDS.includes(r.severity))
      add(
        r,
        'warning',
        'severity',
        r.source === 'prometheus' ? 'labels.severity' : 'severity',
        `severity '${r.severity}' is not one holdfast maps`,
        'use critical, error, warning or info (page and ticket are understood)',
      );
    if (!r.trigger) add(r, 'error', 'trigger', r.source === 'prometheus' ? 'expr' : undefined, 'no trigger: what makes it fire?');
    if (!r.runbook && (!r.action || r.action === 'notify'))
      add(
        r,
        'error',
        'runbook',
        r.source === 'prometheus' ? 'annotations' : undefined,
        'no runbook and no action: what does the on-call do?',
        r.source === 'prometheus' ? 'add annotations.runbook_url' : "add runbook: <URL or steps>, or action: 'restart <program>'",
      );
    if (r.source === 'prometheus' && r.for === undefined)
      add(r, 'error', 'for', undefined, "no 'for:': one bad evaluation pages someone", 'add for: 5m (or for: 0s to say you mean it)');
    if (r.receiver !== undefined && o.receivers && !o.receivers.includes(r.receiver))
      add(
        r,
        'error',
        'receiver',
        'labels.receiver',
        `unknown receiver '${r.receiver}'`,
        o.receivers.length ? `receivers: ${o.receivers.join(', ')}` : 'no receivers are defined',
      );
    const first = seenId.get(r.id);
    if (first)
      add(
        r,
        'error',
        'duplicate',
        undefined,
        `duplicate rule ${r.id} (also at ${first.file ?? ''}${first.line ? `:${first.line}` : ''})`,
        'each rule is counted, owned and reviewed once: rename one or merge them',
      );
    else seenId.set(r.id, r);
    if (r.sameAs !== undefined) {
      const twin = seenKey.get(`${r.source}:${r.sameAs}`);
      if (twin && twin.id !== r.id)
        add(
          r,
          r.source === 'knowledge' ? 'error' : 'warning',
          'duplicate',
          undefined,
          `${r.id} fires on exactly what ${twin.id} does${r.source === 'knowledge' ? ` and never matches (${twin.id} comes first)` : ''}`,
          'remove one, or make its condition different',
        );
      else if (!twin) seenKey.set(`${r.source}:${r.sameAs}`, r);
    }
  }
  return out;
}

export function formatFinding(f: LintFinding): string {
  const where = f.file ? `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}` : '(built-in)';
  return `${where}  ${f.level} [${f.check}] ${f.rule}: ${f.message}${f.hint ? ` (${f.hint})` : ''}`;
}
