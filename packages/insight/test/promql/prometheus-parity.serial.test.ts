// The proof that the embedded evaluator gives Prometheus's answers: a generated replay (three
// routes, 5xx responses, a latency histogram, counter resets and missed scrapes) is backfilled
// into a real Prometheus 2.42 with `promtool tsdb create-blocks-from openmetrics`; the generated
// recording rules are evaluated by Prometheus level by level (each level's answers backfilled
// before the next reads them); every recorded value, every alert expression at every minute,
// the alert timelines that follow, and a set of probe queries over the raw series are compared
// with the evaluator's answers over the same data. Serial: it keeps both cores busy.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { walkSelectors } from '../../src/promql/ast.ts';
import { Engine } from '../../src/promql/engine.ts';
import { SeriesStore } from '../../src/promql/store.ts';
import { labelsToObject, withLabel } from '../../src/promql/labels.ts';
import { parseExpr } from '../../src/promql/parser.ts';
import { readReplay, writeOpenMetrics } from '../../src/replay/openmetrics.ts';
import { generateReplay, TYPES_OF_GENERATED } from '../../src/replay/synthetic.ts';
import { stepAlert, type AlertState } from '../../src/rules/alert-state.ts';
import type { AlertingRuleSpec, RecordingRuleSpec, RuleGroupSpec } from '../../src/rules/rule-file.ts';
import { parsePromDuration } from '../../src/promql/duration.ts';
import { makeBaseline, makeSlo } from '../../src/thresholds/defaults.ts';
import { generateRules } from '../../src/thresholds/generate.ts';
import { backfillSeries, Prometheus, prometheusInstalled } from '../helpers/prometheus.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());

function sameNumber(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  // Sums over a range query's series come out of a Go map in random order: the last bits may differ.
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Recording rules by dependency level (a rule after every rule it reads), alerting rules apart. */
function layers(groups: RuleGroupSpec[]): { levels: RuleGroupSpec[][]; alerts: AlertingRuleSpec[] } {
  const records = groups.flatMap((g) =>
    g.rules.filter((r): r is RecordingRuleSpec => 'record' in r).map((r) => ({ group: g.name, rule: r })),
  );
  const names = new Set(records.map((r) => r.rule.record));
  const level = new Map<RecordingRuleSpec, number>();
  const levelOf = (r: RecordingRuleSpec): number => {
    const known = level.get(r);
    if (known !== undefined) return known;
    let deps = 0;
    walkSelectors(parseExpr(r.expr), (s) => {
      if (names.has(s.name))
        for (const d of records.filter((x) => x.rule.record === s.name && x.rule.labels?.slo === r.labels?.slo))
          deps = Math.max(deps, levelOf(d.rule));
    });
    level.set(r, deps + 1);
    return deps + 1;
  };
  const levels: RuleGroupSpec[][] = [];
  for (const { group, rule } of records) {
    const l = levelOf(rule) - 1;
    levels[l] ??= [];
    let g = levels[l].find((x) => x.name === group);
    if (!g) levels[l].push((g = { name: group, rules: [] }));
    g.rules.push(rule);
  }
  return { levels, alerts: groups.flatMap((g) => g.rules.filter((r): r is AlertingRuleSpec => 'alert' in r)) };
}

test(
  'recorded series, alert expressions, alert timelines and probe queries answer as Prometheus 2.42 does over a ' +
    'backfilled replay with gaps and counter resets',
  { timeout: 3_600_000 },
  async (t) => {
    if (!prometheusInstalled(t)) return;
    const dir = tempDir(t, 'holdfast-parity-');
    const replay = generateReplay({ seed: 11, weeks: 8.25 / 7, errors: true, latency: true, warmupMs: 7.3 * DAY, incidentsPerWeek: 40 });
    assert.ok(replay.restarts.length > 0 && replay.gaps.length > 0, 'the replay has counter resets and missed scrapes');
    const file = join(dir, 'replay.om');
    writeFileSync(file, writeOpenMetrics(replay.store.series(), TYPES_OF_GENERATED));
    // The evaluator reads the file back; Prometheus gets the same samples, a day at a time.
    const store = readReplay(readFileSync(file, 'utf8'), file).store;
    const prom = new Prometheus(t, dir);
    backfillSeries(store.series(), TYPES_OF_GENERATED, dir, prom.dataDir, 'replay');
    await prom.start();
    const engine = new Engine(store);
    const start = replay.start;
    const end = replay.end - MIN;

    const meta = { owner: 'shop-team', severity: 'warning', runbook: 'https://runbooks.example/shop' };
    const base = { matchers: { service: 'shop' }, by: ['service', 'route'], meta };
    const rules = generateRules({
      baselines: [
        makeBaseline({ ...base, name: 'req_seasonal', strategy: 'seasonal' }),
        makeBaseline({ ...base, name: 'req_seasonal_1w', strategy: 'seasonal', seasonal: { weeks: 1 } }),
        makeBaseline({ ...base, name: 'req_adaptive', strategy: 'adaptive' }),
        makeBaseline({ ...base, name: 'req_robust', strategy: 'robust' }),
        makeBaseline({ ...base, name: 'req_guide', strategy: 'week-average' }),
        makeBaseline({ ...base, name: 'req_static', strategy: 'static', static: { below: 2, above: 60 } }),
        makeBaseline({ ...base, name: 'err_adaptive', signal: 'errors', strategy: 'adaptive' }),
        makeBaseline({ ...base, name: 'p99_robust', signal: 'latency', strategy: 'robust' }),
      ],
      slos: [
        makeSlo({
          name: 'shop_availability',
          service: 'shop',
          objective: 0.999,
          owner: 'shop-team',
          runbook: 'https://runbooks.example/slo',
        }),
        makeSlo({
          name: 'shop_latency',
          service: 'shop',
          objective: 0.99,
          indicator: 'latency',
          latencyThreshold: 0.25,
          owner: 'shop-team',
          runbook: 'https://runbooks.example/slo',
        }),
      ],
    });
    const { levels, alerts } = layers(rules.groups);
    let compared = 0;

    // 1. Recording rules, level by level: Prometheus evaluates each expression at every minute
    //    (a range query, what `promtool tsdb create-blocks-from rules` does block by block); the
    //    answers must agree; then its answers are backfilled as the recorded series (and ours
    //    appended here) so the next level reads them, as a rule manager's later rules do.
    for (const [i, groups] of levels.entries()) {
      const recorded = new SeriesStore();
      for (const g of groups) {
        for (const r of g.rules as RecordingRuleSpec[]) {
          const theirs = await prom.queryRange(r.expr, start, end, MIN);
          const ours = engine.queryRange(r.expr, start, end, MIN);
          assert.deepEqual(
            ours.map((x) => keyOf(labelsToObject(x.labels))).sort(),
            [...theirs.keys()].sort(),
            `${r.record}: the same series`,
          );
          for (const x of ours) {
            const p = theirs.get(keyOf(labelsToObject(x.labels)))!;
            assert.deepEqual(
              x.points.map((pt) => pt.t),
              [...p.points.keys()].sort((a, b) => a - b),
              `${r.record} ${keyOf(labelsToObject(x.labels))}: present at the same minutes`,
            );
            let labels = withLabel(x.labels, '__name__', r.record);
            for (const [k, v] of Object.entries(r.labels ?? {})) labels = withLabel(labels, k, v);
            for (const pt of x.points) {
              const v = p.points.get(pt.t)!;
              assert.ok(
                sameNumber(pt.v, v),
                `${r.record} ${keyOf(labelsToObject(x.labels))} at ${new Date(pt.t).toISOString()}: ${pt.v} here, ${v} in Prometheus`,
              );
              store.append(labels, pt.t, pt.v);
              recorded.append(labels, pt.t, v);
              compared++;
            }
          }
        }
      }
      if (recorded.size === 0) continue;
      await prom.stop();
      backfillSeries(recorded.series(), new Map(), dir, prom.dataDir, `level-${i}`);
      await prom.start();
    }

    // 2. Alert expressions at every minute, and the alert timelines their `for:` makes of them.
    for (const a of alerts) {
      const theirs = await prom.queryRange(a.expr, start, end, MIN);
      const ours = engine.queryRange(a.expr, start, end, MIN);
      assert.deepEqual(
        ours.map((s) => keyOf(labelsToObject(s.labels))).sort(),
        [...theirs.keys()].sort(),
        `${a.alert}: the same label sets`,
      );
      const timeline = (points: Map<number, number>) => {
        let state: AlertState | undefined;
        const fired: string[] = [];
        for (let ts = start; ts <= end; ts += MIN) {
          const v = points.get(ts);
          const step = stepAlert(state, v === undefined ? { type: 'absent' } : { type: 'present', value: v }, ts, {
            holdMs: parsePromDuration(a.for ?? '0s')!,
            keepFiringForMs: 0,
          });
          state = step.next;
          for (const e of step.effects)
            if (e.type === 'firing' || e.type === 'resolved') fired.push(`${e.type}@${new Date(e.at).toISOString()}`);
        }
        return fired;
      };
      for (const s of ours) {
        const p = theirs.get(keyOf(labelsToObject(s.labels)))!;
        const mine = new Map(s.points.map((x) => [x.t, x.v]));
        assert.deepEqual(
          [...mine.keys()],
          [...p.points.keys()].sort((x, y) => x - y),
          `${a.alert} ${keyOf(labelsToObject(s.labels))}: present at the same minutes`,
        );
        for (const [ts, v] of mine)
          assert.ok(
            sameNumber(v, p.points.get(ts)!),
            `${a.alert} at ${new Date(ts).toISOString()}: ${v} here, ${p.points.get(ts)} in Prometheus`,
          );
        assert.deepEqual(timeline(mine), timeline(p.points), `${a.alert}: the same alert timeline`);
        compared += mine.size;
      }
    }

    // 3. Probe queries over the raw series: the functions and operators beyond what the rules use.
    const probes = [
      'rate(holdfast_http_requests_total[5m])',
      'increase(holdfast_http_requests_total[10m])',
      'irate(holdfast_http_requests_total[3m])',
      'delta(holdfast_http_request_duration_seconds_sum[15m])',
      'sum by (route) (increase(holdfast_http_requests_total{status="500"}[1h]))',
      'histogram_quantile(0.9, sum by (route, le) (rate(holdfast_http_request_duration_seconds_bucket[5m])))',
      'histogram_quantile(0.5, rate(holdfast_http_request_duration_seconds_bucket{route="/api/orders"}[10m]))',
      'quantile_over_time(0.9, holdfast_http_requests_total[30m])',
      'max_over_time(holdfast_http_requests_total[7m]) - min_over_time(holdfast_http_requests_total[7m])',
      'stddev_over_time(holdfast_http_requests_total[20m]) / (avg_over_time(holdfast_http_requests_total[20m]) > 0)',
      'count_over_time(holdfast_http_requests_total[9m]) != bool 9',
      'last_over_time(holdfast_http_requests_total[2m] offset 1h)',
      'sum_over_time(holdfast_http_requests_total{route="/api/admin"}[1h])',
      'holdfast_http_requests_total offset 30m',
      'clamp(rate(holdfast_http_requests_total[5m]), 0.5, 20)',
      'rate(holdfast_http_requests_total{status="500"}[5m]) / ignoring(status) rate(holdfast_http_requests_total{status="200"}[5m])',
      'rate(holdfast_http_requests_total[5m]) * on(route) group_left() sum by (route) ' +
        '(rate(holdfast_http_request_duration_seconds_count[5m]))',
      'sum by (route) (rate(holdfast_http_request_duration_seconds_count[5m])) / on(route) group_right() ' +
        'rate(holdfast_http_requests_total[5m])',
      'rate(holdfast_http_requests_total[5m]) > 5 and on(route) rate(holdfast_http_request_duration_seconds_count[5m]) > 5',
      'rate(holdfast_http_requests_total{status="200"}[5m]) unless on(route) rate(holdfast_http_requests_total{status="200"}[5m]) < 1',
      'rate(holdfast_http_requests_total{route="/api/admin"}[5m]) or rate(holdfast_http_requests_total{route="/api/orders"}[5m])',
      '-rate(holdfast_http_requests_total[5m]) ^ 2 + 3 * 2 % 5',
      'abs(delta(holdfast_http_requests_total[5m])) >= 10',
      '10 < bool sum(rate(holdfast_http_requests_total[5m]))',
      'avg by (status) (rate(holdfast_http_requests_total[5m])) + count by (status) (holdfast_http_requests_total) - ' +
        'max(holdfast_http_requests_total) * 0 + min without (route, method) (holdfast_http_requests_total) * 0',
      'stddev by (status) (rate(holdfast_http_requests_total[5m])) + stdvar(rate(holdfast_http_requests_total[5m])) * ' +
        '0 + quantile by (status) (0.5, rate(holdfast_http_requests_total[5m]))',
      'label_replace(rate(holdfast_http_requests_total[5m]), "area", "$1", "route", "/api/(.*)")',
      'absent(holdfast_http_requests_total{route="/nowhere", service="shop"})',
      'scalar(sum(rate(holdfast_http_requests_total{status="500"}[5m]))) * vector(2)',
      'timestamp(holdfast_http_requests_total{route="/api/orders", status="200"})',
      'time() - timestamp(holdfast_http_requests_total)',
      'round(rate(holdfast_http_requests_total[5m]), 0.5) + ceil(rate(holdfast_http_requests_total[5m])) * 0 + ' +
        'floor(rate(holdfast_http_requests_total[5m])) * 0',
      'sqrt(rate(holdfast_http_requests_total[5m])) + ln(rate(holdfast_http_requests_total[5m]) + 1) + ' +
        'exp(rate(holdfast_http_requests_total{route="/api/admin"}[5m]))',
      'group by (route) (holdfast_http_requests_total)',
    ];
    const probeStart = end - 36 * 60 * MIN;
    for (const q of probes) {
      const theirs = await prom.queryRange(q, probeStart, end, MIN);
      const ours = engine.queryRange(q, probeStart, end, MIN);
      assert.deepEqual(ours.map((s) => keyOf(labelsToObject(s.labels))).sort(), [...theirs.keys()].sort(), `${q}: the same label sets`);
      for (const s of ours) {
        const p = theirs.get(keyOf(labelsToObject(s.labels)))!;
        assert.deepEqual(
          s.points.map((x) => x.t),
          [...p.points.keys()].sort((x, y) => x - y),
          `${q} ${keyOf(labelsToObject(s.labels))}: present at the same minutes`,
        );
        for (const x of s.points)
          assert.ok(
            sameNumber(x.v, p.points.get(x.t)!),
            `${q} at ${new Date(x.t).toISOString()}: ${x.v} here, ${p.points.get(x.t)} in Prometheus`,
          );
        compared += s.points.length;
      }
    }
    t.diagnostic(`${compared} values compared with Prometheus`);
    assert.ok(compared > 100_000);
  },
);
