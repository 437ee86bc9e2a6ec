// The rule group of one baseline: the level, the strategy's band, and one alert that fires when
// the level stays outside the band for `for`, unless the series is too sparse to judge. Every
// alert carries owner, severity and runbook, and says in words what it saw.
import { formatPromDuration } from '../promql/duration.ts';
import type { AlertingRuleSpec, RuleGroupSpec } from '../rules/rule-file.ts';
import { guardSource, levelExpr, recordName } from './signals.ts';
import { strategies } from './strategies/index.ts';
import type { BaselineSpec } from './types.ts';

function signalWords(b: BaselineSpec): { what: string; value: string } {
  switch (b.signal) {
    case 'requests':
      return { what: 'the request rate', value: '{{ $value | humanize }} requests/s' };
    case 'errors':
      return { what: 'the share of 5xx responses', value: '{{ $value | humanizePercentage }}' };
    case 'latency':
      return { what: `the p${+(b.quantile * 100).toFixed(2)} latency`, value: '{{ $value | humanizeDuration }}' };
    case 'metric':
      return {
        what:
          b.metricType === 'counter'
            ? `the rate of ${b.metric}`
            : b.metricType === 'histogram'
              ? `the p${+(b.quantile * 100).toFixed(2)} of ${b.metric}`
              : b.metric,
        value: '{{ $value | humanize }}',
      };
  }
}

function target(b: BaselineSpec): string {
  return b.by.length
    ? b.by.map((l) => `${l}={{ $labels.${l} }}`).join(' ')
    : Object.entries(b.matchers)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'all series';
}

export function baselineAlert(
  b: BaselineSpec,
  compared: string,
  lower: string | undefined,
  upper: string | undefined,
  guard: string | undefined,
): AlertingRuleSpec {
  const strategy = strategies[b.strategy];
  const branches: string[] = [];
  if (lower !== undefined && b.direction !== 'high') branches.push(`label_replace(${compared} < ${lower}, "direction", "below", "", "")`);
  if (upper !== undefined && b.direction !== 'low') branches.push(`label_replace(${compared} > ${upper}, "direction", "above", "", "")`);
  let expr = branches.length > 1 ? branches.map((x) => `(${x})`).join(' or ') : (branches[0] ?? 'vector(0) < 0');
  if (guard) expr = `(${expr}) unless on(${b.by.join(', ')}) (${guard})`;
  const { what, value } = signalWords(b);
  const forText = formatPromDuration(b.forMs);
  return {
    alert: b.alert,
    expr,
    for: forText,
    labels: { severity: b.meta.severity, owner: b.meta.owner, baseline: b.name, strategy: b.strategy },
    annotations: {
      summary: `${b.name}: ${what} of ${target(b)} is {{ $labels.direction }} its ${b.strategy} band`,
      description:
        `${what[0]!.toUpperCase()}${what.slice(1)} ` +
        `of ${target(b)} ` +
        `is ${value}, {{ $labels.direction }} ` +
        `the band drawn from ${strategy.explain(b)}, for ${forText} or longer.`,
      runbook_url: b.meta.runbook,
    },
  };
}

/** The sparse-series guard: true (a result) while the day's average request rate is below minRate. */
function guardExpr(b: BaselineSpec): { records: RuleGroupSpec['rules']; guard: string | undefined } {
  const source = guardSource(b);
  if (source === 'none' || b.minRate <= 0) return { records: [], guard: undefined };
  if (source === 'level') return { records: [], guard: `avg_over_time(${recordName(b, 'level')}[1d]) < ${b.minRate}` };
  return {
    records: [{ record: recordName(b, 'traffic'), expr: source.expr }],
    guard: `avg_over_time(${recordName(b, 'traffic')}[1d]) < ${b.minRate}`,
  };
}

export function baselineGroup(b: BaselineSpec): RuleGroupSpec {
  const band = strategies[b.strategy].band(b);
  const { records, guard } = guardExpr(b);
  return {
    name: `holdfast-baseline-${b.name}`,
    rules: [
      { record: recordName(b, 'level'), expr: levelExpr(b) },
      ...records,
      ...band.records,
      baselineAlert(b, band.compared, band.lower, band.upper, guard),
    ],
  };
}
