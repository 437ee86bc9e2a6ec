// A backtest: the rules of every strategy for one signal, replayed minute by minute over a
// recorded or generated series through the embedded evaluator, scored against labelled
// incidents; then a static threshold tuned to each strategy's recall, run the same way. Pure:
// the replay and the clock come in, numbers come out (progress through a callback).
import { InsightError } from '../errors.ts';
import type { VectorSelector } from '../promql/ast.ts';
import { parseExpr } from '../promql/parser.ts';
import type { SeriesStore } from '../promql/store.ts';
import { RuleEvaluator } from '../rules/evaluator.ts';
import type { RuleFile, RuleGroupSpec } from '../rules/rule-file.ts';
import { baselineAlert, baselineGroup } from '../thresholds/baseline-rules.ts';
import { makeBaseline, pascalCase, type BaselineInput } from '../thresholds/defaults.ts';
import { levelExpr, recordName, selector } from '../thresholds/signals.ts';
import type { BaselineSpec, StrategyName } from '../thresholds/types.ts';
import { EpisodeLog, type Episode } from './episodes.ts';
import { scoreEpisodes, type LabelledIncident, type Score } from './score.ts';
import { trackSeries, tuneStatic, type StaticChoice } from './static-tuning.ts';

export interface BacktestOptions {
  store: SeriesStore;
  incidents: LabelledIncident[];
  /** The signal (and its meta); its strategy is replaced by each variant's in turn. */
  baseline: BaselineSpec;
  variants: BacktestVariant[];
  start: number;
  end: number;
  stepMs: number;
  /** Scoring starts here: before it the baselines are still learning. */
  scoreFrom: number;
  graceMs: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** One strategy to replay, with its parameters (the baseline's when none are given). */
export interface BacktestVariant {
  /** Names the variant in the report (e.g. "seasonal", "seasonal-1w"). */
  label: string;
  strategy: StrategyName;
  params?: Pick<BaselineInput, 'seasonal' | 'adaptive' | 'robust' | 'weekAverage'>;
}

export const DEFAULT_VARIANTS: BacktestVariant[] = [
  { label: 'seasonal', strategy: 'seasonal' },
  { label: 'seasonal-1w', strategy: 'seasonal', params: { seasonal: { weeks: 1 } } },
  { label: 'adaptive', strategy: 'adaptive' },
  { label: 'robust', strategy: 'robust' },
  { label: 'week-average', strategy: 'week-average' },
];

export interface StrategyResult {
  label: string;
  strategy: StrategyName;
  score: Score;
  /** The static threshold tuned to this strategy's recall, and how it scored. */
  staticAtSameRecall?: { kLow: number; kHigh: number; score: Score };
  /** 1 - false alerts of the strategy / false alerts of that static rule (null: the static rule had none). */
  falseAlertReduction: number | null;
}

export interface BacktestResult {
  strategies: StrategyResult[];
  evaluations: number;
  window: { start: number; end: number; scoreFrom: number; weeksScored: number };
  rules: RuleFile;
  episodes: Record<string, Episode[]>;
}

const variantName = (base: string, s: string) => `${base}_${s.replace(/-/g, '_')}`;

function staticGroup(base: BaselineSpec, levelOf: string, choice: StaticChoice, alert: string): RuleGroupSpec {
  const branch = (labels: Record<string, string>, op: '<' | '>', th: number, direction: string) =>
    `label_replace(${levelOf}${selector(labels)} ${op} ${th}, "direction", "${direction}", "", "")`;
  const parts = choice.thresholds.flatMap((t) => [
    ...(t.below !== undefined && base.direction !== 'high' ? [branch(t.labels, '<', t.below, 'below')] : []),
    ...(t.above !== undefined && base.direction !== 'low' ? [branch(t.labels, '>', t.above, 'above')] : []),
  ]);
  const expr = parts.length ? parts.map((p) => `(${p})`).join(' or ') : 'vector(0) < 0';
  const guard = base.minRate > 0 ? ` unless on(${base.by.join(', ')}) (avg_over_time(${levelOf}[1d]) < ${base.minRate})` : '';
  const rule = baselineAlert({ ...base, alert, strategy: 'static' }, levelOf, undefined, undefined, undefined);
  return { name: `holdfast-backtest-${alert}`, rules: [{ ...rule, expr: `(${expr})${guard}` }] };
}

function replay(evaluator: RuleEvaluator, o: BacktestOptions, phase: string): EpisodeLog {
  const log = new EpisodeLog();
  const total = Math.floor((o.end - o.start) / o.stepMs) + 1;
  let done = 0;
  for (let t = o.start; t <= o.end; t += o.stepMs) {
    log.add(evaluator.evaluate(t));
    if (++done % 1440 === 0) o.onProgress?.(phase, done, total);
  }
  o.onProgress?.(phase, total, total);
  return log;
}

export function runBacktest(o: BacktestOptions): BacktestResult {
  if (o.end <= o.start) throw new InsightError('HOLDFAST_E_REPLAY', 'the replay is empty: its end is not after its start');
  const scoreOptions = { from: o.scoreFrom, to: o.end, graceMs: o.graceMs };
  const labels = new Set(o.variants.map((v) => v.label));
  if (labels.size !== o.variants.length) throw new InsightError('HOLDFAST_E_ALERTS_CONFIG', 'two backtest variants have the same label');
  const variants = o.variants.map((v) =>
    makeBaseline({
      ...o.baseline,
      ...v.params,
      name: variantName(o.baseline.name, v.label),
      alert: `Backtest${pascalCase(v.label)}`,
      strategy: v.strategy,
    }),
  );
  const probe = makeBaseline({ ...o.baseline, name: variantName(o.baseline.name, 'static') });
  const levelOf = recordName(probe, 'level');
  const groups: RuleGroupSpec[] = [
    ...variants.map(baselineGroup),
    { name: 'holdfast-backtest-static-level', rules: [{ record: levelOf, expr: levelExpr(probe) }] },
  ];
  const rules: RuleFile = { groups };
  const first = replay(new RuleEvaluator(o.store, rules), o, 'strategies');
  const byAlert = (log: EpisodeLog, alert: string) => log.episodes.filter((e) => e.alertname === alert);
  const scores = variants.map((v, i) => ({
    label: o.variants[i]!.label,
    strategy: v.strategy,
    score: scoreEpisodes(byAlert(first, v.alert), o.incidents, scoreOptions),
    episodes: byAlert(first, v.alert),
  }));

  // The static rule tuned to each strategy's recall, searched over the recorded level, then run.
  const steps: number[] = [];
  for (let t = o.start; t <= o.end; t += o.stepMs) steps.push(t);
  const evaluator = new RuleEvaluator(o.store, { groups: [] });
  const guard = o.baseline.minRate > 0 ? parseExpr(`avg_over_time(${levelOf}[1d]) < ${o.baseline.minRate}`) : undefined;
  const tracks = trackSeries(evaluator.engine, parseExpr(levelOf) as VectorSelector, guard, steps, o.scoreFrom);
  const hasIncidents = o.incidents.length > 0;
  const choices = hasIncidents
    ? tuneStatic(
        tracks,
        steps,
        probe.forMs,
        o.incidents,
        scoreOptions,
        scores.map((s) => s.score.recall),
      )
    : [];
  const staticGroups = choices.map((c, i) => staticGroup(probe, levelOf, c, `BacktestStaticAtRecall${i}`));
  const second = staticGroups.length ? replay(new RuleEvaluator(o.store, { groups: staticGroups }), o, 'static') : new EpisodeLog();
  const strategies: StrategyResult[] = scores.map((s, i) => {
    const choice = choices[i];
    if (!choice) return { label: s.label, strategy: s.strategy, score: s.score, falseAlertReduction: null };
    const score = scoreEpisodes(byAlert(second, `BacktestStaticAtRecall${i}`), o.incidents, scoreOptions);
    if (score.falseAlerts !== choice.falseAlerts || Math.abs(score.recall - choice.recall) > 1e-9) {
      throw new InsightError(
        'HOLDFAST_E_PROMQL_EVAL',
        `the static threshold's sweep ` +
          `(${choice.falseAlerts} false alerts, ` +
          `recall ${choice.recall}) and its ` +
          `evaluation (${score.falseAlerts}, ${score.recall}) disagree`,
      );
    }
    return {
      label: s.label,
      strategy: s.strategy,
      score: s.score,
      staticAtSameRecall: { kLow: choice.kLow, kHigh: choice.kHigh, score },
      falseAlertReduction: score.falseAlerts > 0 ? 1 - s.score.falseAlerts / score.falseAlerts : null,
    };
  });
  rules.groups.push(...staticGroups);
  return {
    strategies,
    evaluations: steps.length,
    window: { start: o.start, end: o.end, scoreFrom: o.scoreFrom, weeksScored: (o.end - o.scoreFrom) / (7 * 86_400_000) },
    rules,
    episodes: Object.fromEntries([
      ...scores.map((s) => [s.label, s.episodes] as const),
      ...strategies.map((s, i) => [`static@${s.label}`, byAlert(second, `BacktestStaticAtRecall${i}`)] as const),
    ]),
  };
}
