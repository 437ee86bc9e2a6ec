// A Prometheus rule file as data (groups of recording and alerting rules), and its compilation
// for the embedded evaluator: every expression parsed, every duration read, every problem
// reported with the group and rule it is in. The generator writes this shape; promtool and
// Prometheus read the same shape from YAML.
import { InsightError } from '../errors.ts';
import type { Expr } from '../promql/ast.ts';
import { walkSelectors } from '../promql/ast.ts';
import { parsePromDuration } from '../promql/duration.ts';
import { parseExpr } from '../promql/parser.ts';

export interface RecordingRuleSpec {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRuleSpec {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type RuleSpec = RecordingRuleSpec | AlertingRuleSpec;

export interface RuleGroupSpec {
  name: string;
  interval?: string;
  rules: RuleSpec[];
}

export interface RuleFile {
  groups: RuleGroupSpec[];
}

export type CompiledRule =
  | { kind: 'record'; name: string; expr: Expr; exprText: string; labels: Record<string, string> }
  | {
      kind: 'alert';
      name: string;
      expr: Expr;
      exprText: string;
      holdMs: number;
      keepFiringForMs: number;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    };

export interface CompiledGroup {
  name: string;
  intervalMs: number | undefined;
  rules: CompiledRule[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function duration(text: string | undefined, where: string): number {
  if (text === undefined) return 0;
  const ms = parsePromDuration(text);
  if (ms === undefined) throw new InsightError('HOLDFAST_E_RULE_FILE', `${where}: '${text}' is not a duration (use e.g. 5m, 1h30m)`);
  return ms;
}

function checkLabels(labels: Record<string, string> | undefined, where: string): Record<string, string> {
  for (const name of Object.keys(labels ?? {}))
    if (!LABEL_NAME.test(name)) throw new InsightError('HOLDFAST_E_RULE_FILE', `${where}: '${name}' is not a valid label name`);
  return { ...labels };
}

/** Parses every rule of the file; throws HOLDFAST_E_RULE_FILE naming the group and rule. */
export function compileRules(file: RuleFile): CompiledGroup[] {
  const names = new Set<string>();
  return file.groups.map((g, gi) => {
    const gwhere = `groups[${gi}] (${g.name})`;
    if (names.has(g.name)) throw new InsightError('HOLDFAST_E_RULE_FILE', `${gwhere}: the group name is used twice`);
    names.add(g.name);
    const intervalMs = g.interval === undefined ? undefined : duration(g.interval, `${gwhere}.interval`);
    const rules = g.rules.map((r, ri): CompiledRule => {
      const name = 'record' in r ? r.record : r.alert;
      const where = `${gwhere}.rules[${ri}] (${name})`;
      let expr: Expr;
      try {
        expr = parseExpr(r.expr);
      } catch (err) {
        throw new InsightError('HOLDFAST_E_RULE_FILE', `${where}.expr: ${(err as Error).message}`, [], { cause: err });
      }
      if (expr.type !== 'vector' && expr.type !== 'scalar')
        throw new InsightError(
          'HOLDFAST_E_RULE_FILE',
          `${where}.expr: a rule's expression must be an instant vector or a scalar, got ${expr.type}`,
        );
      if ('record' in r) {
        if (!METRIC_NAME.test(r.record))
          throw new InsightError('HOLDFAST_E_RULE_FILE', `${where}: '${r.record}' is not a valid metric name`);
        return { kind: 'record', name: r.record, expr, exprText: r.expr, labels: checkLabels(r.labels, `${where}.labels`) };
      }
      if (!LABEL_NAME.test(r.alert) && !/^[^\s{}]+$/.test(r.alert))
        throw new InsightError('HOLDFAST_E_RULE_FILE', `${where}: '${r.alert}' is not a valid alert name`);
      return {
        kind: 'alert',
        name: r.alert,
        expr,
        exprText: r.expr,
        holdMs: duration(r.for, `${where}.for`),
        keepFiringForMs: duration(r.keep_firing_for, `${where}.keep_firing_for`),
        labels: checkLabels(r.labels, `${where}.labels`),
        annotations: { ...r.annotations },
      };
    });
    return { name: g.name, intervalMs, rules };
  });
}

/**
 * How far back the rules read: the longest range plus offset of any selector, plus the lookback
 * delta. A store that keeps this much history answers every rule as one that kept everything.
 */
export function historyNeeded(groups: readonly CompiledGroup[], lookbackMs = 5 * 60_000): number {
  let longest = 0;
  for (const g of groups)
    for (const r of g.rules) walkSelectors(r.expr, (s, rangeMs) => (longest = Math.max(longest, s.offsetMs + (rangeMs || lookbackMs))));
  return longest;
}
