// The rules the generator writes, as data: they compile, they read only what they record or
// scrape, every alert carries owner, severity and runbook, and the options change what they should.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { walkSelectors } from '../../src/promql/ast.ts';
import { parseExpr } from '../../src/promql/parser.ts';
import { compileRules, type AlertingRuleSpec, type RecordingRuleSpec, type RuleFile } from '../../src/rules/rule-file.ts';
import { makeBaseline, makeSlo } from '../../src/thresholds/defaults.ts';
import { generateRules } from '../../src/thresholds/generate.ts';
import { burnWindows } from '../../src/thresholds/slo-rules.ts';
import { STRATEGIES } from '../../src/thresholds/types.ts';

const meta = { owner: 'shop-team', severity: 'warning', runbook: 'https://runbooks.example/shop' };
const alertsOf = (f: RuleFile) => f.groups.flatMap((g) => g.rules.filter((r): r is AlertingRuleSpec => 'alert' in r));

test('every strategy and SLO compiles, and each rule reads only raw metrics or series recorded before it', () => {
  const file = generateRules({
    baselines: [
      ...STRATEGIES.map((strategy) =>
        makeBaseline({
          name: `r_${strategy.replace('-', '_')}`,
          strategy,
          matchers: { service: 'shop' },
          static: { below: 1, above: 9 },
          meta,
        }),
      ),
      makeBaseline({ name: 'errs', signal: 'errors', matchers: { service: 'shop' }, meta }),
      makeBaseline({ name: 'p95', signal: 'latency', quantile: 0.95, matchers: { service: 'shop' }, meta }),
      makeBaseline({
        name: 'heap',
        signal: 'metric',
        metric: 'process_resident_memory_bytes',
        metricType: 'gauge',
        matchers: { service: 'shop' },
        meta,
      }),
    ],
    slos: [
      makeSlo({ name: 'avail', service: 'shop', objective: 0.999, owner: 'o', runbook: 'r' }),
      makeSlo({ name: 'fast', service: 'shop', objective: 0.99, indicator: 'latency', latencyThreshold: 0.25, owner: 'o', runbook: 'r' }),
    ],
  });
  assert.doesNotThrow(() => compileRules(file));
  for (const g of file.groups) {
    const recorded = new Set<string>();
    for (const r of g.rules) {
      walkSelectors(parseExpr(r.expr), (s) => {
        if (s.name.startsWith('holdfast:'))
          assert.ok(
            recorded.has(s.name) || s.name.startsWith('holdfast:slo_'),
            `${g.name}: ${'record' in r ? r.record : r.alert} reads ${s.name} before it is recorded`,
          );
        else assert.match(s.name, /^(holdfast_http_|process_)/, 'raw metrics of the service');
      });
      if ('record' in r) recorded.add((r as RecordingRuleSpec).record);
    }
  }
  for (const a of alertsOf(file)) {
    assert.ok(a.labels?.owner && a.labels.severity && a.annotations?.runbook_url && a.for, `${a.alert}: owner, severity, runbook and for`);
  }
});

test('direction picks the sides; the sparse guard follows the signal; a gauge has none', () => {
  const one = (b: Parameters<typeof makeBaseline>[0]) => alertsOf(generateRules({ baselines: [makeBaseline(b)], slos: [] }))[0]!.expr;
  const base = { name: 'x', matchers: { service: 's' }, meta };
  assert.match(
    one({ ...base, direction: 'low' }),
    /^\(label_replace\(holdfast:x:level < holdfast:x:lower, "direction", "below", "", ""\)\) unless on\(service\) \(avg_over_time\(holdfast:x:level\[1d\]\) < 0\.0833/,
  );
  assert.doesNotMatch(one({ ...base, direction: 'low' }), /above/);
  assert.doesNotMatch(one({ ...base, signal: 'errors' }), /below/, 'errors alert when high by default');
  assert.match(
    one({ ...base, signal: 'errors' }),
    /avg_over_time\(holdfast:x:traffic\[1d\]\)/,
    'an error ratio is guarded by its request rate',
  );
  assert.doesNotMatch(one({ ...base, signal: 'metric', metric: 'g', metricType: 'gauge' }), /unless/, 'a gauge is never sparse');
  assert.doesNotMatch(one({ ...base, minRate: 0 }), /unless/, 'minRate 0 turns the guard off');
});

test('SLO windows follow the SRE workbook for 30 days and scale with the period', () => {
  assert.deepEqual(
    burnWindows(30 * 86_400_000).map((w) => [w.longMs / 60_000, w.shortMs / 60_000, w.factor, w.severity]),
    [
      [60, 5, 14.4, 'page'],
      [360, 30, 6, 'page'],
      [1440, 120, 3, 'ticket'],
      [4320, 360, 1, 'ticket'],
    ],
  );
  assert.deepEqual(burnWindows(7 * 86_400_000)[0], { longMs: 840_000, shortMs: 70_000, factor: 14.4, severity: 'page' });
  const [fast] = alertsOf(
    generateRules({
      baselines: [],
      slos: [makeSlo({ name: 'a', service: 's', objective: 0.999, owner: 'o', runbook: 'r', minRequests: 20 })],
    }),
  );
  assert.match(
    fast!.expr,
    /holdfast:slo_errors:ratio_rate1h\{slo="a"\} \/ 0\.001 > 14\.4 and on\(slo\) holdfast:slo_errors:ratio_rate5m\{slo="a"\} \/ 0\.001 > 14\.4 and on\(slo\) holdfast:slo_requests:rate1h\{slo="a"\} \* 3600 >= 20/,
  );
});
