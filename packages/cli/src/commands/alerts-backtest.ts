// `holdfast alerts backtest`: replays a series through every baseline strategy (and the guide's
// rule, and a static threshold tuned to the same recall) with the embedded PromQL evaluator, and
// reports precision, recall, false alerts per week and detection delay: how a rule would have
// behaved, before it ships. The series is a recorded replay (OpenMetrics with timestamps, plus
// labelled incidents) or a generated one (5 weeks, seeded).
import { readFileSync, writeFileSync } from 'node:fs';
import {
  DEFAULT_VARIANTS,
  formatPromDuration,
  generateReplay,
  makeBaseline,
  medianInterval,
  parseIncidents,
  readReplay,
  runBacktest,
  STRATEGIES,
  writeOpenMetrics,
  type BacktestResult,
  type BaselineSpec,
  type LabelledIncident,
  type SeriesStore,
} from '@holdfast/insight';
import { didYouMean } from '@holdfast/config/did-you-mean';
import { duration, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { loadAlertsConfig, loadCatalog } from './alerts-shared.ts';

const usage = `Usage: holdfast alerts backtest [options]

Replays a series through each strategy (seasonal, seasonal over one week, adaptive, robust), the
guide's rule (below 0.8 × last week's average) and a static threshold tuned to each strategy's
recall, evaluating the generated rules minute by minute, and reports precision, recall, false
alerts per week and detection delay.

Options:
  --replay <file>        a recorded replay: OpenMetrics text with a timestamp on every sample
                         (what 'promtool tsdb create-blocks-from openmetrics' reads)
  --incidents <file>     labelled incidents of the replay (JSON), to score against
  --seed <n>             seed of the generated replay (default 1)
  --weeks <n>            length of the generated replay in weeks (default 5)
  -c, --config <file>    take the signal from a baseline of this holdfast config
  --baseline <name>      which baseline of the config (default: the only one)
  --strategies <list>    labels to run, comma-separated (default: all)
  --warmup <duration>    score only after this (default 8d: a week of history and a day)
  --grace <duration>     an alert this soon after an incident ends still belongs to it (default 30m)
  --write-replay <file>  also write the generated replay there (and its incidents beside it)
  --json                 print the full result as JSON
  -h, --help             show this help

Examples:
  holdfast alerts backtest
  holdfast alerts backtest --seed 7 --json | jq '.strategies[] | {label, recall: .score.recall}'
  holdfast alerts backtest --write-replay shop.om && promtool tsdb create-blocks-from openmetrics shop.om data/
  holdfast alerts backtest --replay shop.om --incidents shop.om.incidents.json -c holdfast.yaml --baseline shop_traffic`;

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

function table(r: BacktestResult): string {
  const head = [
    'strategy',
    'precision',
    'recall',
    'false alerts/week',
    'median delay',
    'static at same recall: false alerts/week',
    'fewer false alerts',
  ];
  const rows = r.strategies.map((s) => [
    s.label,
    pct(s.score.precision),
    `${pct(s.score.recall)} (${s.score.detected}/${s.score.incidents})`,
    s.score.falseAlertsPerWeek.toFixed(1),
    s.score.medianDelayMinutes === null ? '-' : `${s.score.medianDelayMinutes} min`,
    s.staticAtSameRecall ? s.staticAtSameRecall.score.falseAlertsPerWeek.toFixed(1) : '-',
    s.falseAlertReduction === null ? '-' : pct(s.falseAlertReduction),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [head, ...rows].map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

export const command: Command = {
  path: ['alerts', 'backtest'],
  summary: 'replay a series through each alert strategy and a tuned static threshold: precision, recall, false alerts, delay',
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      replay: { type: 'string' },
      incidents: { type: 'string' },
      seed: { type: 'string' },
      weeks: { type: 'string' },
      config: { type: 'string', short: 'c' },
      baseline: { type: 'string' },
      strategies: { type: 'string' },
      warmup: { type: 'string' },
      grace: { type: 'string' },
      'write-replay': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.replay && (values.seed || values.weeks || values['write-replay']))
      throw new UsageError('--seed, --weeks and --write-replay are for a generated replay, not with --replay');
    if (values.incidents && !values.replay) throw new UsageError('--incidents labels a recorded replay: pass --replay too');
    if (values.baseline && !values.config) throw new UsageError('--baseline names a baseline of a config: pass -c too');

    const wanted = values.strategies?.split(',').map((s) => s.trim());
    const known = DEFAULT_VARIANTS.map((v) => v.label);
    for (const w of wanted ?? []) {
      if (known.includes(w)) continue;
      const guess = didYouMean(w, known);
      throw new UsageError(
        `--strategies: unknown strategy ` +
          `'${w}'${guess ? ` (did you mean ` + `'${guess}'?)` : ''}; ` +
          `known: ${known.join(', ')} (a config's strategy is one of ${STRATEGIES.join(', ')})`,
      );
    }
    const variants = wanted ? DEFAULT_VARIANTS.filter((v) => wanted.includes(v.label)) : DEFAULT_VARIANTS;
    const warmup = duration('warmup', values.warmup, 8 * 86_400_000, 365 * 86_400_000);
    const graceMs = duration('grace', values.grace, 30 * 60_000, 7 * 86_400_000);

    let baseline: BaselineSpec = makeBaseline({
      name: 'backtest',
      by: ['service', 'route'],
      meta: { owner: 'backtest', severity: 'warning', runbook: 'https://example.invalid/runbook' },
    });
    let stepMs = 60_000;
    if (values.config) {
      const config = loadAlertsConfig(values.config, await loadCatalog(undefined));
      const candidates = config.baselines;
      const chosen = values.baseline
        ? candidates.find((b) => b.name === values.baseline)
        : candidates.length === 1
          ? candidates[0]
          : undefined;
      if (!chosen) {
        const names = candidates.map((b) => b.name).join(', ') || 'none';
        throw new UsageError(
          values.baseline
            ? `${values.config} has no baseline '${values.baseline}' (baselines: ${names})`
            : `${values.config} has ${candidates.length} baselines (${names}): pick one with --baseline`,
        );
      }
      baseline = chosen;
      stepMs = config.evaluationIntervalMs;
    }

    let store: SeriesStore;
    let incidents: LabelledIncident[] = [];
    let start: number;
    let end: number;
    const say = (s: string) => process.stderr.write(s);
    if (values.replay) {
      let text: string;
      try {
        text = readFileSync(values.replay, 'utf8');
      } catch (err) {
        throw new UsageError(
          `--replay ${values.replay}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
        );
      }
      const read = readReplay(text, values.replay);
      store = read.store;
      const bounds = store.bounds()!;
      start = Math.ceil(bounds.min / stepMs) * stepMs;
      end = Math.floor(bounds.max / stepMs) * stepMs;
      if (values.incidents) incidents = parseIncidents(readFileSync(values.incidents, 'utf8'), values.incidents);
      say(`read ${read.samples} samples of ${store.size} series from ${values.replay}\n`);
    } else {
      const seed = values.seed === undefined ? 1 : Number(values.seed);
      const weeks = values.weeks === undefined ? 5 : Number(values.weeks);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got '${values.seed}'`);
      if (!(weeks >= 1.5 && weeks <= 12))
        throw new UsageError(`--weeks must be from 1.5 to 12 (the baselines learn from a week of history), got '${values.weeks}'`);
      say(`generating a ${weeks}-week replay (seed ${seed})…\n`);
      const replay = generateReplay({ seed, weeks });
      store = replay.store;
      incidents = replay.incidents;
      start = replay.start;
      end = replay.end - replay.stepMs;
      if (values['write-replay']) {
        writeFileSync(values['write-replay'], writeOpenMetrics(store.series(), new Map([['holdfast_http_requests', 'counter']])));
        writeFileSync(
          `${values['write-replay']}.incidents.json`,
          JSON.stringify(
            incidents.map((i) => ({ ...i, start: new Date(i.start).toISOString(), end: new Date(i.end).toISOString() })),
            null,
            2,
          ) + '\n',
        );
        say(`wrote ${values['write-replay']} and ${values['write-replay']}.incidents.json\n`);
      }
    }

    const scrape = medianInterval(store);
    if (scrape !== undefined && baseline.rateWindowMs < 2 * scrape) {
      throw new UsageError(
        `the baseline's ${formatPromDuration(baseline.rateWindowMs)} rate window is shorter than two samples of this ` +
          `replay (one every ${formatPromDuration(scrape)}): use a rateWindow of at least ${formatPromDuration(4 * scrape)}`,
      );
    }
    if (start + warmup >= end)
      throw new UsageError(
        `the replay ` +
          `(${formatPromDuration(end - start)}) is not longer than the warm-up ` +
          `(${formatPromDuration(warmup)}): nothing would be scored`,
      );

    const tty = process.stderr.isTTY;
    let lastLine = 0;
    const result = runBacktest({
      store,
      incidents,
      baseline,
      variants,
      start,
      end,
      stepMs,
      scoreFrom: start + warmup,
      graceMs,
      onProgress(phase, done, total) {
        const line = `${phase}: day ${Math.round((done * stepMs) / 86_400_000)} of ${Math.round((total * stepMs) / 86_400_000)}`;
        if (tty) say(`\r${line}   `);
        else if (done === total || Date.now() - lastLine > 10_000) {
          say(`${line}\n`);
          lastLine = Date.now();
        }
      },
    });
    if (tty) say('\n');
    if (values.json) {
      process.stdout.write(JSON.stringify({ baseline: baseline.name, incidents, ...result }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(
      `${result.evaluations} ` +
        `evaluations, ${result.window.weeksScored.toFixed(1)} weeks ` +
        `scored, ${incidents.length} ` +
        `incidents\n\n${table(result)}\n\n` +
        (incidents.length
          ? 'The static threshold is tuned per strategy: the fewest false alerts at a recall at least as high.\n'
          : 'No incidents given: every alert counts as false; pass --incidents to score recall.\n'),
    );
    return 0;
  },
};
