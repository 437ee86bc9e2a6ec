// The generated rules against the real tools: `promtool check rules` accepts them, and
// `promtool test rules` (Prometheus's own rule manager: recording rules written back with
// staleness markers, `for:`, annotations expanded with their queries) fires exactly the alerts
// the embedded evaluator fires, with the same labels and annotation text, at every evaluation
// where an alert starts or ends, over a generated replay with incidents, restarts and missed scrapes.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { stringify } from 'yaml';
import { labelsToObject } from '../../src/promql/labels.ts';
import { SeriesStore } from '../../src/promql/store.ts';
import { generateReplay } from '../../src/replay/synthetic.ts';
import { RuleEvaluator } from '../../src/rules/evaluator.ts';
import type { RuleFile } from '../../src/rules/rule-file.ts';
import { makeBaseline, makeSlo } from '../../src/thresholds/defaults.ts';
import { generateRules } from '../../src/thresholds/generate.ts';
import { prometheusInstalled, promtool } from '../helpers/prometheus.ts';

const MIN = 60_000;
/** Minutes between two evaluations. */
const EVERY = 5;
const DAY = 24 * 60 * MIN;
const meta = { owner: 'shop-team', severity: 'warning', runbook: 'https://runbooks.example/shop' };

function rulesFor(): RuleFile {
  const base = { matchers: { service: 'shop' }, by: ['service', 'route'], meta };
  return generateRules({
    baselines: [
      makeBaseline({ ...base, name: 'req_seasonal', strategy: 'seasonal' }),
      makeBaseline({ ...base, name: 'req_adaptive', strategy: 'adaptive' }),
      makeBaseline({ ...base, name: 'req_robust', strategy: 'robust' }),
      makeBaseline({ ...base, name: 'req_guide', strategy: 'week-average' }),
      makeBaseline({ ...base, name: 'req_static', strategy: 'static', static: { below: 1, above: 40 } }),
      makeBaseline({ ...base, name: 'err_seasonal', signal: 'errors', strategy: 'seasonal', by: ['service'] }),
    ],
    slos: [
      makeSlo({
        name: 'shop_availability',
        service: 'shop',
        objective: 0.995,
        owner: 'shop-team',
        runbook: 'https://runbooks.example/slo',
        minRequests: 50,
      }),
    ],
  });
}

/** The series of a store as promtool input, time shifted to start at 0 ('_' where a scrape is missing). */
function inputSeries(store: SeriesStore, start: number, minutes: number): { series: string; values: string }[] {
  return store.series().map((s) => {
    const byMinute = new Map<number, number>();
    for (let i = 0; i < s.n; i++) byMinute.set((s.t[i]! - start) / MIN, s.v[i]!);
    const values = Array.from({ length: minutes }, (_, m) => (byMinute.has(m) ? String(byMinute.get(m)) : '_')).join(' ');
    const l = labelsToObject(s.labels);
    const { __name__: name, ...rest } = l;
    return {
      series: `${name}{${Object.entries(rest)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')}}`,
      values,
    };
  });
}

test('promtool check rules accepts every strategy, signal and SLO the generator writes', (t) => {
  if (!prometheusInstalled(t)) return;
  const dir = tempDir(t, 'holdfast-promtool-');
  const file = join(dir, 'rules.yaml');
  const rules = rulesFor();
  writeFileSync(file, stringify(rules, { lineWidth: 0 }));
  const out = promtool(['check', 'rules', file]);
  const count = rules.groups.reduce((n, g) => n + g.rules.length, 0);
  assert.match(out, new RegExp(`SUCCESS: ${count} rules found`));
});

test(
  'promtool test rules fires what the embedded evaluator fires, when it fires it, with the same annotations',
  { timeout: 1_800_000 },
  (t) => {
    if (!prometheusInstalled(t)) return;
    const dir = tempDir(t, 'holdfast-promtool-');
    const replay = generateReplay({
      seed: 7,
      weeks: 8.2 / 7,
      errors: true,
      incidentsPerWeek: 30,
      warmupMs: 7.05 * DAY,
      routes: [
        { route: '/api/products', peakRps: 30, incidents: true },
        { route: '/api/orders', peakRps: 4, incidents: true },
      ],
    });
    const minutes = Math.round((replay.end - replay.start) / MIN);
    // The same samples, moved to start at 0 as promtool's input does.
    const store = new SeriesStore();
    for (const s of replay.store.series()) for (let i = 0; i < s.n; i++) store.append(s.labels, s.t[i]! - replay.start, s.v[i]!);
    const input = inputSeries(store, 0, minutes);
    const rules = rulesFor();
    const evaluator = new RuleEvaluator(store, rules);
    const alertNames = rules.groups.flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [r.alert] : [])));
    // Rules every 5 minutes over 1-minute scrapes (promtool's engine loads at most 10,000 samples
    // a query: the SLO's 30-day sums over a rule recorded every minute would pass that on day 7).
    // Check at each evaluation where an alert starts or stops firing, and the evaluation before.
    const firingAt = new Map<number, ReturnType<RuleEvaluator['firing']>>();
    const checkTimes = new Set<number>();
    let previous = '';
    for (let m = 0; m < minutes; m += EVERY) {
      evaluator.evaluate(m * MIN);
      const firing = evaluator.firing(m * MIN);
      const now = JSON.stringify(firing.map((f) => [f.alertname, f.labels]).sort());
      if (now !== previous && m > 0) {
        checkTimes.add(m);
        checkTimes.add(m - EVERY);
      }
      previous = now;
      firingAt.set(m, firing);
    }
    const times = [...checkTimes].sort((a, b) => a - b);
    assert.ok(times.length >= 20, `alerts start and stop during the replay (${times.length} checks)`);
    const fired = new Set(times.flatMap((m) => firingAt.get(m)!.map((f) => f.alertname)));
    for (const name of ['ReqSeasonalAnomaly', 'ReqAdaptiveAnomaly', 'ReqStaticAnomaly', 'ShopAvailabilityErrorBudgetBurnFast'])
      assert.ok(fired.has(name), `${name} fires at least once`);

    const ruleFile = join(dir, 'rules.yaml');
    writeFileSync(ruleFile, stringify(rules, { lineWidth: 0 }));
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: `${EVERY}m`,
      tests: [
        {
          interval: '1m',
          input_series: input,
          alert_rule_test: times.flatMap((m) =>
            alertNames.map((alertname) => ({
              eval_time: `${m}m`,
              alertname,
              exp_alerts: firingAt
                .get(m)!
                .filter((f) => f.alertname === alertname)
                .map((f) => ({
                  exp_labels: Object.fromEntries(Object.entries(f.labels).filter(([k]) => k !== 'alertname')),
                  exp_annotations: f.annotations,
                })),
            })),
          ),
        },
      ],
    };
    writeFileSync(join(dir, 'tests.yaml'), stringify(tests, { lineWidth: 0 }));
    const out = promtool(['test', 'rules', 'tests.yaml'], dir);
    assert.match(out, /SUCCESS/);
    t.diagnostic(`${times.length} evaluations × ${alertNames.length} alerts checked against promtool`);
  },
);
