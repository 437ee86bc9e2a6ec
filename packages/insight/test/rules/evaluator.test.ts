// Rule evaluation over an injected time: recording rules write back with staleness markers, an
// alert goes pending then firing with its annotations expanded at that evaluation, and a store
// trimmed to the history the rules need answers exactly as one that kept everything (what the
// supervisor daemon will rely on).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine } from '../../src/promql/engine.ts';
import { SeriesStore } from '../../src/promql/store.ts';
import { generateReplay } from '../../src/replay/synthetic.ts';
import { RuleEvaluator } from '../../src/rules/evaluator.ts';
import { compileRules, historyNeeded } from '../../src/rules/rule-file.ts';
import { makeBaseline } from '../../src/thresholds/defaults.ts';
import { generateRules } from '../../src/thresholds/generate.ts';

const MIN = 60_000;

test('a recording rule writes at the evaluation time, and a staleness marker when its series goes', () => {
  const store = new SeriesStore();
  const ev = new RuleEvaluator(store, {
    groups: [{ name: 'g', rules: [{ record: 'job:up:sum', expr: 'sum by (job) (up)', labels: { team: 'a' } }] }],
  });
  store.append({ __name__: 'up', job: 'x', i: '1' }, 0, 1);
  store.append({ __name__: 'up', job: 'x', i: '2' }, 0, 1);
  ev.evaluate(0);
  const e = new Engine(store);
  assert.deepEqual(
    e.queryVector('job:up:sum', 0).map((s) => [Object.fromEntries(s.labels), s.v]),
    [[{ __name__: 'job:up:sum', job: 'x', team: 'a' }, 2]],
  );
  store.append({ __name__: 'up', job: 'x', i: '1' }, MIN, NaN, true);
  store.append({ __name__: 'up', job: 'x', i: '2' }, MIN, NaN, true);
  ev.evaluate(MIN);
  assert.deepEqual(e.queryVector('job:up:sum', MIN + 1), [], 'gone at once, not after the 5-minute lookback');
});

test('an alert fires after `for`, with its labels and annotations expanded at that evaluation', () => {
  const store = new SeriesStore();
  for (let m = 0; m <= 10; m++) store.append({ __name__: 'queue', service: 'orders' }, m * MIN, m < 3 ? 5 : 50);
  const ev = new RuleEvaluator(store, {
    groups: [
      {
        name: 'g',
        rules: [
          {
            alert: 'QueueLong',
            expr: 'queue > 10',
            for: '3m',
            labels: { severity: 'page' },
            annotations: { summary: '{{ $labels.service }}: {{ $value }} queued' },
          },
        ],
      },
    ],
  });
  const effects: string[] = [];
  for (let m = 0; m <= 10; m++) for (const c of ev.evaluate(m * MIN)) effects.push(`${m}:${c.effect.type}`);
  assert.deepEqual(effects, ['3:pending', '6:firing']);
  assert.deepEqual(ev.firing(10 * MIN), [
    {
      alertname: 'QueueLong',
      labels: { alertname: 'QueueLong', service: 'orders', severity: 'page' },
      annotations: { summary: 'orders: 50 queued' },
      value: 50,
    },
  ]);
});

test('a bad rule is refused with its group and index; a rule that fails to evaluate names itself and the time', () => {
  assert.throws(
    () =>
      compileRules({
        groups: [
          {
            name: 'g',
            rules: [
              { record: 'ok', expr: 'up' },
              { alert: 'A', expr: 'rate(up)' },
            ],
          },
        ],
      }),
    /groups\[0\] \(g\)\.rules\[1\] \(A\)\.expr: .*expected type range vector/,
  );
  assert.throws(
    () => compileRules({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: '5 minutes' }] }] }),
    /'5 minutes' is not a duration/,
  );
  const store = new SeriesStore();
  store.append({ __name__: 'a', k: '1' }, 0, 1);
  store.append({ __name__: 'a', k: '2' }, 0, 1);
  store.append({ __name__: 'b' }, 0, 1);
  const ev = new RuleEvaluator(store, { groups: [{ name: 'g', rules: [{ record: 'r', expr: 'a / on() b' }] }] });
  assert.throws(
    () => ev.evaluate(0),
    (err: Error & { code?: string }) =>
      err.code === 'HOLDFAST_E_PROMQL_EVAL' &&
      /rule r at 1970-01-01T00:00:00\.000Z: .*many-to-one matching must be explicit/.test(err.message),
  );
});

test('a store trimmed to the history the rules read gives the same alerts as one that keeps everything', () => {
  const rules = generateRules({
    baselines: [
      makeBaseline({
        name: 'shop',
        strategy: 'adaptive',
        matchers: { service: 'shop' },
        by: ['service', 'route'],
        meta: { owner: 'o', severity: 'warning', runbook: 'r' },
      }),
    ],
    slos: [],
  });
  const keep = historyNeeded(compileRules(rules));
  assert.equal(keep, (167 * 60 + 30) * MIN + 60 * MIN, 'the adaptive band reads an hour a week back');
  const replay = generateReplay({
    seed: 2,
    weeks: 8.5 / 7,
    routes: [{ route: '/api/orders', peakRps: 6, incidents: true }],
    incidentsPerWeek: 40,
    warmupMs: 7.2 * 86_400_000,
  });
  const trimmed = new SeriesStore();
  for (const s of replay.store.series()) for (let i = 0; i < s.n; i++) trimmed.append(s.labels, s.t[i]!, s.v[i]!);
  const full = new RuleEvaluator(replay.store, rules);
  const lean = new RuleEvaluator(trimmed, rules);
  let changes = 0;
  for (let t = replay.start; t < replay.end; t += MIN) {
    const a = full.evaluate(t);
    const b = lean.evaluate(t);
    assert.deepEqual(b, a, `at ${new Date(t).toISOString()}`);
    changes += a.length;
    if ((t - replay.start) % (6 * 60 * MIN) === 0) trimmed.truncateBefore(t - keep);
  }
  assert.ok(changes > 0, 'alerts fired');
  const oldest = Math.min(...trimmed.series().map((s) => s.t[0]!));
  assert.ok(oldest > replay.start, 'history was dropped');
});
