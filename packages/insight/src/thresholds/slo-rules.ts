// SLO rules: multi-window, multi-burn-rate alerts (Google SRE workbook; Sloth's windows for a
// 30-day period): page when the budget burns 14.4× too fast over 1 h and 5 m or 6× over 6 h and
// 30 m; ticket at 3× over 1 d and 2 h or 1× over 3 d and 6 h. Each window pair also needs a
// minimum number of requests in its long window (one error in a quiet hour is not an outage),
// and the description says in words how fast the budget burns and when it runs out.
import { describeDuration, formatPromDuration } from '../promql/duration.ts';
import type { AlertingRuleSpec, RecordingRuleSpec, RuleGroupSpec } from '../rules/rule-file.ts';
import { selector } from './signals.ts';
import type { SloSpec } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export interface BurnWindow {
  longMs: number;
  shortMs: number;
  /** Multiple of the sustainable error rate (budget share × period / long window). */
  factor: number;
  severity: 'page' | 'ticket';
}

/** The workbook's pairs, scaled from its 30-day period (2 %, 5 %, 10 %, 10 % of the budget). */
export function burnWindows(periodMs: number): BurnWindow[] {
  const scale = periodMs / (30 * DAY);
  const w = (longMs: number, shortMs: number, budgetShare: number, severity: 'page' | 'ticket'): BurnWindow => ({
    longMs: Math.round(longMs * scale),
    shortMs: Math.round(shortMs * scale),
    factor: +((budgetShare * periodMs) / Math.round(longMs * scale)).toFixed(2),
    severity,
  });
  return [
    w(HOUR, 5 * MIN, 0.02, 'page'),
    w(6 * HOUR, 30 * MIN, 0.05, 'page'),
    w(DAY, 2 * HOUR, 0.1, 'ticket'),
    w(3 * DAY, 6 * HOUR, 0.1, 'ticket'),
  ];
}

const pct = (x: number) => `${+(x * 100).toPrecision(6)} %`;

export function sloGroup(s: SloSpec): RuleGroupSpec {
  const windows = burnWindows(s.periodMs);
  const allWindows = [...new Set([5 * MIN, ...windows.flatMap((w) => [w.longMs, w.shortMs])])].sort((a, b) => a - b);
  const id = { slo: s.name, service: s.service };
  const labels = { slo: s.name, service: s.service };
  const sel = (extra: string[] = []) => selector(s.matchers, extra);
  // 1 - 0.999 is 0.0010000000000000009 in floating point: print what the user meant.
  const budget = Number((1 - s.objective).toPrecision(12));
  const d = (ms: number) => formatPromDuration(ms);
  const m = `{slo=${JSON.stringify(s.name)}}`;

  const badRate = (w: string) =>
    s.indicator === 'availability'
      ? `sum(rate(${s.requestsMetric}${sel(['status=~"5.."'])}[${w}]))`
      : `sum(rate(${s.durationMetric}_count${sel()}[${w}])) - ` +
        `sum(rate(${s.durationMetric}_bucket${sel([`le=${JSON.stringify(String(s.latencyThreshold))}`])}[${w}]))`;
  const totalRate = (w: string) =>
    s.indicator === 'availability' ? `sum(rate(${s.requestsMetric}${sel()}[${w}]))` : `sum(rate(${s.durationMetric}_count${sel()}[${w}]))`;

  const records: RecordingRuleSpec[] = [];
  for (const ms of allWindows) {
    const w = d(ms);
    records.push({ record: `holdfast:slo_requests:rate${w}`, expr: totalRate(w), labels });
    records.push({ record: `holdfast:slo_errors:ratio_rate${w}`, expr: `(${badRate(w)}) / (${totalRate(w)})`, labels });
  }
  // Budget left over the whole period: bad requests over all requests since the period began.
  records.push({ record: 'holdfast:slo_errors:rate5m', expr: badRate('5m'), labels });
  records.push({
    record: 'holdfast:slo_error_budget_remaining',
    expr:
      `1 - (sum_over_time(holdfast:slo_errors:rate5m${m}[${d(s.periodMs)}]) / ` +
      `sum_over_time(holdfast:slo_requests:rate5m${m}[${d(s.periodMs)}])) / ${budget}`,
    labels,
  });
  for (const w of [windows[0]!, windows[2]!]) {
    const lw = d(w.longMs);
    records.push({ record: `holdfast:slo_burn_rate:rate${lw}`, expr: `holdfast:slo_errors:ratio_rate${lw}${m} / ${budget}`, labels });
    records.push({
      record: `holdfast:slo_budget_burn_per_hour:rate${lw}`,
      expr: `holdfast:slo_burn_rate:rate${lw}${m} * ${HOUR / s.periodMs}`,
      labels,
    });
    records.push({
      record: `holdfast:slo_budget_exhaustion_seconds:rate${lw}`,
      expr: `clamp_min(holdfast:slo_error_budget_remaining${m}, 0) * ${s.periodMs / 1000} / holdfast:slo_burn_rate:rate${lw}${m}`,
      labels,
    });
  }

  const condition = (w: BurnWindow) => {
    const lw = d(w.longMs);
    const sw = d(w.shortMs);
    // The alert's value is the long window's burn rate (the annotation prints it).
    return (
      `(holdfast:slo_errors:ratio_rate${lw}${m} / ${budget} > ${w.factor}` +
      ` and on(slo) holdfast:slo_errors:ratio_rate${sw}${m} / ${budget} > ${w.factor}` +
      ` and on(slo) holdfast:slo_requests:rate${lw}${m} * ${w.longMs / 1000} >= ${s.minRequests})`
    );
  };
  const what =
    s.indicator === 'availability'
      ? `5xx responses of ${s.service}`
      : `requests of ${s.service} slower than ${describeDuration(s.latencyThreshold! * 1000)}`;
  const alert = (severity: 'page' | 'ticket'): AlertingRuleSpec => {
    const pair = windows.filter((w) => w.severity === severity);
    const lw = d(pair[0]!.longMs);
    const thresholds = pair.map((w) => `${w.factor}× over ${d(w.longMs)} and ${d(w.shortMs)}`).join(', or ');
    const q = (record: string) => JSON.stringify(`${record}{slo="${s.name}"}`);
    return {
      alert: `${s.alertPrefix}ErrorBudgetBurn${severity === 'page' ? 'Fast' : 'Slow'}`,
      expr: pair.map(condition).join(' or '),
      // Pyrra's holds for the first window of each pair: long enough to skip one noisy evaluation.
      for: severity === 'page' ? '2m' : '1h',
      labels: { ...id, severity: severity === 'page' ? s.pageSeverity : s.ticketSeverity, owner: s.owner },
      annotations: {
        summary: `${s.name}: ${what} burn the error budget {{ $value | printf "%.1f" }}× too fast (${severity})`,
        description:
          `${what[0]!.toUpperCase()}${what.slice(1)} burn the error budget of ` +
          `a ${pct(s.objective)} SLO ` +
          `over ${d(s.periodMs)} {{ $value | printf "%.1f" }}× as fast as it allows` +
          (` ({{ with ` +
            `query ${q(`holdfast:slo_budget_burn_per_hour:rate${lw}`)} }}{{ . | first | value | ` +
            `humanizePercentage }} of the budget per hour over the ` +
            `last ${describeDuration(pair[0]!.longMs)}{{ end }}; threshold ${thresholds}).`) +
          (` {{ with ` +
            `query ${q('holdfast:slo_error_budget_remaining')} }}{{ . | first | value | humanizePercentage }} ` +
            `of the budget is left{{ end }}`) +
          (`{{ with query ${q(`holdfast:slo_budget_exhaustion_seconds:rate${lw}`)} }}; at this rate it is gone in {{ . ` +
            `| first | value | humanizeDuration }}{{ end }}.`),
        runbook_url: s.runbook,
      },
    };
  };
  return { name: `holdfast-slo-${s.name}`, rules: [...records, alert('page'), alert('ticket')] };
}
