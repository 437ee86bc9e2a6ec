// Rule evaluation as Prometheus's rule manager does it, over a SeriesStore and an injected time:
// at each evaluation the groups run in order and the rules of a group in order; a recording
// rule's samples are written at the evaluation time (so later rules see them) and its vanished
// series get a staleness marker; an alerting rule moves each of its label sets through
// alert-state.ts. The caller owns the clock: `evaluate(t)` at every interval, series in, alert
// timeline out (the backtest drives it over a replay; the daemon will drive it over scrapes).
import { InsightError } from '../errors.ts';
import { Engine, type EngineOptions, type Sample } from '../promql/engine.ts';
import { dropName, format, key, labelsToObject, METRIC_NAME, withLabel, type Labels } from '../promql/labels.ts';
import type { Series, SeriesStore } from '../promql/store.ts';
import { stepAlert, type AlertEffect, type AlertState } from './alert-state.ts';
import { compileRules, type CompiledGroup, type CompiledRule, type RuleFile } from './rule-file.ts';
import { expandTemplate, parseTemplate, type ParsedTemplate } from './template.ts';

export interface AlertChange {
  alertname: string;
  labels: Record<string, string>;
  effect: AlertEffect;
  value: number;
  /** Expanded when the alert starts firing (Prometheus expands them at every evaluation). */
  annotations?: Record<string, string>;
}

interface RuleState {
  rule: CompiledRule;
  /** Recording rules: the output series of each input label set (labels of a store series keep their identity across steps). */
  outputs: WeakMap<Labels, { labels: Labels; series: Series }>;
  /** Recording rules: label keys written at the previous evaluation (for staleness markers). */
  previous: Map<string, Labels>;
  /** Alerting rules: the alert of each label set. */
  /** The sample's own labels are what templates see as $labels (before the rule's labels are added). */
  alerts: Map<string, { labels: Labels; sample: Labels; state: AlertState }>;
  labelTemplates: [string, ParsedTemplate][];
  annotationTemplates: [string, ParsedTemplate][];
}

export class RuleEvaluator {
  readonly engine: Engine;
  readonly groups: CompiledGroup[];
  readonly #states: RuleState[][];

  constructor(store: SeriesStore, rules: RuleFile | CompiledGroup[], options: EngineOptions = {}) {
    this.engine = new Engine(store, options);
    this.groups = Array.isArray(rules) ? rules : compileRules(rules);
    this.#states = this.groups.map((g) =>
      g.rules.map((rule) => ({
        rule,
        outputs: new WeakMap(),
        previous: new Map(),
        alerts: new Map(),
        labelTemplates: Object.entries(rule.labels).map(([k, v]) => [k, parseTemplate(v)] as [string, ParsedTemplate]),
        annotationTemplates:
          rule.kind === 'alert' ? Object.entries(rule.annotations).map(([k, v]) => [k, parseTemplate(v)] as [string, ParsedTemplate]) : [],
      })),
    );
  }

  /** Runs every group once at `t` (ms); returns the alert state changes of this evaluation. */
  evaluate(t: number): AlertChange[] {
    const changes: AlertChange[] = [];
    for (const group of this.#states) {
      for (const st of group) {
        let vector: Sample[];
        try {
          vector = this.engine.queryVector(st.rule.expr, t);
        } catch (err) {
          throw new InsightError(
            'HOLDFAST_E_PROMQL_EVAL',
            `rule ${st.rule.name} at ${new Date(t).toISOString()}: ${(err as Error).message}`,
            [],
            { cause: err },
          );
        }
        if (st.rule.kind === 'record') this.#record(st, vector, t);
        else this.#alert(st, st.rule, vector, t, changes);
      }
    }
    return changes;
  }

  /** The alerts pending or firing now, by rule. */
  active(): { alertname: string; labels: Record<string, string>; state: AlertState }[] {
    const out: { alertname: string; labels: Record<string, string>; state: AlertState }[] = [];
    for (const group of this.#states) {
      for (const st of group) {
        for (const a of st.alerts.values())
          if (a.state.state !== 'inactive') out.push({ alertname: st.rule.name, labels: labelsToObject(a.labels), state: a.state });
      }
    }
    return out;
  }

  /**
   * The alerts firing after the last evaluation (at `t`), with their annotations expanded there, as
   * Prometheus re-expands them at every evaluation (the value, and any query, are those of `t`).
   */
  firing(t: number): { alertname: string; labels: Record<string, string>; annotations: Record<string, string>; value: number }[] {
    const out: { alertname: string; labels: Record<string, string>; annotations: Record<string, string>; value: number }[] = [];
    for (const group of this.#states) {
      for (const st of group) {
        for (const a of st.alerts.values()) {
          if (a.state.state !== 'firing') continue;
          out.push({
            alertname: st.rule.name,
            labels: labelsToObject(a.labels),
            annotations: this.#expand(st.annotationTemplates, a.sample, a.state.value, t),
            value: a.state.value,
          });
        }
      }
    }
    return out;
  }

  #expand(templates: [string, ParsedTemplate][], labels: Labels, value: number, t: number): Record<string, string> {
    const data = {
      labels: labelsToObject(labels),
      value,
      query: (expr: string) => this.engine.queryVector(expr, t).map((s) => ({ labels: labelsToObject(s.labels), value: s.v })),
    };
    return Object.fromEntries(templates.map(([k, tpl]) => [k, expandTemplate(tpl, data)]));
  }

  #record(st: RuleState, vector: Sample[], t: number): void {
    const store = this.engine.store;
    const returned = new Map<string, Labels>();
    for (const s of vector) {
      let out = st.outputs.get(s.labels);
      if (!out) {
        let labels = withLabel(s.labels, METRIC_NAME, st.rule.name);
        for (const [k, tpl] of st.labelTemplates)
          labels = withLabel(labels, k, expandTemplate(tpl, { labels: labelsToObject(s.labels), value: s.v, query: () => [] }));
        const series = store.getOrCreate(labels);
        out = { labels: series.labels, series };
        // Templates may use the value: only a rule with static labels can reuse its output.
        if (!st.labelTemplates.some(([, tpl]) => tpl.some((p) => p.kind !== 'text'))) st.outputs.set(s.labels, out);
      }
      const k = out.series.key;
      if (returned.has(k))
        throw new InsightError(
          'HOLDFAST_E_PROMQL_EVAL',
          `rule ${st.rule.name}: vector contains metrics with the same labelset after applying rule labels (${format(out.labels)})`,
        );
      returned.set(k, out.labels);
      out.series.append(t, s.v);
    }
    for (const [k, labels] of st.previous) if (!returned.has(k)) store.append(labels, t, NaN, true);
    st.previous = returned;
  }

  #alert(st: RuleState, rule: Extract<CompiledRule, { kind: 'alert' }>, vector: Sample[], t: number, changes: AlertChange[]): void {
    const present = new Map<string, { labels: Labels; sample: Labels; value: number }>();
    for (const s of vector) {
      let labels = dropName(s.labels);
      const sampleLabels = labelsToObject(labels);
      for (const [k, tpl] of st.labelTemplates)
        labels = withLabel(
          labels,
          k,
          expandTemplate(tpl, {
            labels: sampleLabels,
            value: s.v,
            query: (e) => this.engine.queryVector(e, t).map((x) => ({ labels: labelsToObject(x.labels), value: x.v })),
          }),
        );
      labels = withLabel(labels, 'alertname', rule.name);
      const k = key(labels);
      if (present.has(k))
        throw new InsightError(
          'HOLDFAST_E_PROMQL_EVAL',
          `rule ${rule.name}: vector contains metrics with the same labelset after applying alert labels`,
        );
      present.set(k, { labels, sample: s.labels, value: s.v });
    }
    const policy = { holdMs: rule.holdMs, keepFiringForMs: rule.keepFiringForMs };
    const seen = new Set<string>();
    for (const [k, p] of present) {
      seen.add(k);
      const prev = st.alerts.get(k);
      const { next, effects } = stepAlert(prev?.state, { type: 'present', value: p.value }, t, policy);
      if (next) st.alerts.set(k, { labels: p.labels, sample: p.sample, state: next });
      for (const effect of effects) {
        const change: AlertChange = { alertname: rule.name, labels: labelsToObject(p.labels), effect, value: p.value };
        if (effect.type === 'firing') change.annotations = this.#expand(st.annotationTemplates, p.sample, p.value, t);
        changes.push(change);
      }
    }
    for (const [k, a] of st.alerts) {
      if (seen.has(k)) continue;
      const { next, effects } = stepAlert(a.state, { type: 'absent' }, t, policy);
      if (next && next.state !== 'inactive') st.alerts.set(k, { labels: a.labels, sample: a.sample, state: next });
      else st.alerts.delete(k);
      for (const effect of effects) changes.push({ alertname: rule.name, labels: labelsToObject(a.labels), effect, value: a.state.value });
    }
  }
}
