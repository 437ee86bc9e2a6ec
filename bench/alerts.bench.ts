#!/usr/bin/env node
// `npm run bench:alerts`: how the generated alert rules would have behaved on a generated 5-week
// replay of a shop's request rates (daily and weekly seasonality, a trend, noise, a holiday,
// counter resets, missed scrapes, labelled incidents of four shapes; seeded, see docs/alerts.md),
// replayed minute by minute through the embedded PromQL evaluator. Each strategy is set beside
// a static threshold tuned to the same recall (the fewest false alerts that reach it) and the
// guide's rule (below 0.8 × last week's average, "invalid alerts down 63 %"), measured in the
// same run on the same series. Summary: the false-alert reduction of the best strategy against
// the static rule at the same recall, and that strategy's recall.
import { parseArgs } from 'node:util';
import { DEFAULT_VARIANTS, generateReplay, makeBaseline, runBacktest, type BacktestResult } from '@holdfast/insight';
import { table, writeReport } from './lib/report.ts';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '1,2,3' }, weeks: { type: 'string', default: '5' } } });
const seeds = values.seeds.split(',').map(Number);
const weeks = Number(values.weeks);
const say = (s: string) => process.stderr.write(s);
const DAY = 86_400_000;
const LEARNED = new Set(['seasonal', 'adaptive', 'robust']);

interface Run {
  seed: number;
  result: BacktestResult;
  seconds: number;
  incidents: number;
}

const runs: Run[] = [];
for (const seed of seeds) {
  say(`seed ${seed}: generating a ${weeks}-week replay…\n`);
  const replay = generateReplay({ seed, weeks });
  const t0 = performance.now();
  const result = runBacktest({
    store: replay.store,
    incidents: replay.incidents,
    baseline: makeBaseline({
      name: 'shop',
      matchers: { service: 'shop' },
      by: ['service', 'route'],
      meta: { owner: 'shop-team', severity: 'warning', runbook: 'https://runbooks.example/shop' },
    }),
    variants: DEFAULT_VARIANTS,
    start: replay.start,
    end: replay.end - replay.stepMs,
    stepMs: replay.stepMs,
    scoreFrom: replay.start + 8 * DAY,
    graceMs: 30 * 60_000,
    onProgress: (phase, done, total) => say(`\r  ${phase}: day ${Math.round(done / 1440)} of ${Math.round(total / 1440)}   `),
  });
  const seconds = (performance.now() - t0) / 1000;
  say(`\n  ${seconds.toFixed(0)} s\n`);
  runs.push({ seed, result, seconds, incidents: replay.incidents.length });
}

const first = runs[0]!;
const byLabel = (r: Run, label: string) => r.result.strategies.find((s) => s.label === label)!;
// The best learned strategy: the largest false-alert reduction against the static rule at its recall.
const candidates = first.result.strategies.filter(
  (s) =>
    LEARNED.has(s.strategy) &&
    s.falseAlertReduction !== null &&
    s.staticAtSameRecall &&
    s.score.recall >= s.staticAtSameRecall.score.recall - 1e-9,
);
const best = [...candidates].sort((a, b) => b.falseAlertReduction! - a.falseAlertReduction! || b.score.recall - a.score.recall)[0];
const guide = byLabel(first, 'week-average');
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

const summary: Record<string, number | string | boolean> = {
  best_strategy: best?.label ?? 'none',
  false_alert_reduction_vs_static: best ? +f2(best.falseAlertReduction!) : 0,
  recall: best ? +f2(best.score.recall) : 0,
  precision: best ? +f2(best.score.precision) : 0,
  false_alerts_per_week: best ? +f1(best.score.falseAlertsPerWeek) : 0,
  static_false_alerts_per_week_at_same_recall: best?.staticAtSameRecall ? +f1(best.staticAtSameRecall.score.falseAlertsPerWeek) : 0,
  median_detection_delay_minutes: best?.score.medianDelayMinutes ?? -1,
  guide_rule_recall: +f2(guide.score.recall),
  guide_rule_false_alerts_per_week: +f1(guide.score.falseAlertsPerWeek),
  guide_rule_false_alert_reduction_vs_static: guide.falseAlertReduction === null ? 0 : +f2(guide.falseAlertReduction),
  target_met: !!best && best.falseAlertReduction! >= 0.63 && best.score.recall >= 0.95,
  moonshot_met: !!best && best.falseAlertReduction! >= 0.8 && best.score.recall >= 0.95,
  incidents_scored: best?.score.incidents ?? 0,
  weeks_scored: +f1(first.result.window.weeksScored),
};
if (runs.length > 1) {
  for (const r of runs.slice(1)) {
    const s = byLabel(r, best?.label ?? 'seasonal');
    summary[`seed_${r.seed}_reduction`] = s.falseAlertReduction === null ? 0 : +f2(s.falseAlertReduction);
    summary[`seed_${r.seed}_recall`] = +f2(s.score.recall);
  }
}

const rows = first.result.strategies.map((s) => [
  s.label === 'week-average' ? 'guide: < 0.8 × avg_over_time(…[7d] offset 1w)' : s.label,
  f2(s.score.precision),
  `${f2(s.score.recall)} (${s.score.detected}/${s.score.incidents})`,
  f1(s.score.falseAlertsPerWeek),
  s.score.medianDelayMinutes === null ? '-' : `${s.score.medianDelayMinutes} min`,
  s.staticAtSameRecall
    ? `${f1(s.staticAtSameRecall.score.falseAlertsPerWeek)} ` +
      `(recall ${f2(s.staticAtSameRecall.score.recall)}, ` +
      `k ${s.staticAtSameRecall.kLow}/${f2(s.staticAtSameRecall.kHigh)})`
    : '-',
  s.falseAlertReduction === null ? '-' : `${(s.falseAlertReduction * 100).toFixed(0)} %`,
]);
const shapes = Object.keys(best?.score.recallByShape ?? {}).sort();
const shapeRows = first.result.strategies.map((s) => [
  s.label === 'week-average' ? 'guide' : s.label,
  ...shapes.map((k) => `${s.score.recallByShape[k]?.detected ?? 0}/${s.score.recallByShape[k]?.incidents ?? 0}`),
]);
const seedRows = runs.map((r) => {
  const s = byLabel(r, best?.label ?? 'seasonal');
  return [
    String(r.seed),
    f2(s.score.recall),
    f1(s.score.falseAlertsPerWeek),
    s.staticAtSameRecall ? f1(s.staticAtSameRecall.score.falseAlertsPerWeek) : '-',
    s.falseAlertReduction === null ? '-' : `${(s.falseAlertReduction * 100).toFixed(0)} %`,
    `${r.seconds.toFixed(0)} s`,
  ];
});

const markdown =
  `${table(
    [
      'rule',
      'precision',
      'recall',
      'false alerts / ' + 'week',
      'median delay',
      'static at the same ' + 'recall: false alerts / week',
      'fewer false alerts than that static rule',
    ],
    rows,
  )}

Recall by incident shape:

${table(['rule', ...shapes], shapeRows)}

${
  runs.length > 1
    ? `The best strategy over other seeds of the same construction:\n` +
      `\n${table(['seed', 'recall', 'false alerts / week', 'static at same recall', 'reduction', 'replay time'], seedRows)}\n\n`
    : ''
}How to read it: a ${weeks}-week replay (seed ${first.seed}) of three routes of a shop at 1-minute resolution, scored from day 8 on
(${f1(first.result.window.weeksScored)} ` +
  `weeks, ${summary.incidents_scored} incidents: outages, partial drops, surges, ` +
  `slow declines; one holiday that is
not an incident). Every rule has the same \`for: 5m\` and sparse-series guard. An alert is true when it fires on the incident's
route between its start and 30 minutes after its end. The static rule is searched per strategy: alert below kLow × and above kHigh ×
each route's median level over the warm-up, with the fewest false alerts at a recall at least as high as the ` +
  `strategy's. **${summary.best_strategy}**
reaches recall ${summary.recall} ` +
  `with ${summary.false_alerts_per_week} false alerts a ` +
  `week, ${(Number(summary.false_alert_reduction_vs_static) * 100).toFixed(0)} % fewer than the static rule at the same
recall (target 63 %, the guide's figure; moonshot 80 %). The guide's own rule fires below 0.8 × the average of the previous week, which
the night trough of a daily cycle always ` +
  `is: ${summary.guide_rule_false_alerts_per_week} false alerts a week. The ` +
  `replay is built without looking at
any strategy (docs/alerts.md, "The generated ` +
  `replay"); ${runs[0]!.result.evaluations} evaluations ` +
  `of ${first.result.rules.groups.reduce((n, g) => n + g.rules.length, 0)} rules took ${first.seconds.toFixed(0)} s here.`;

const file = writeReport({
  name: 'alerts',
  title: 'Alert rules on a replayed month: strategies vs a static threshold at the same recall (bench:alerts)',
  summary,
  details: {
    weeks,
    seeds,
    runs: runs.map((r) => ({
      seed: r.seed,
      seconds: +r.seconds.toFixed(1),
      evaluations: r.result.evaluations,
      window: r.result.window,
      incidents: r.incidents,
      strategies: r.result.strategies.map((s) => ({ ...s, score: { ...s.score, firstFiring: undefined } })),
    })),
  },
  markdown,
});
say(`wrote ${file}\n${JSON.stringify(summary, null, 2)}\n`);
