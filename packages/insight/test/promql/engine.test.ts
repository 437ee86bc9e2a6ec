// The evaluator's semantics on hand-computed cases: what a Prometheus user relies on (lookback,
// staleness, inclusive ranges, offsets, counter resets, extrapolation, matching errors). The
// parity test checks the same against a real Prometheus on a replay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, type Value } from '../../src/promql/engine.ts';
import { labelsToObject } from '../../src/promql/labels.ts';
import { SeriesStore } from '../../src/promql/store.ts';

const S = 1000;
const MIN = 60 * S;

function values(v: Value): Record<string, number> {
  assert.equal(v.type, 'vector');
  const out: Record<string, number> = {};
  if (v.type === 'vector') for (const s of v.vector) out[JSON.stringify(labelsToObject(s.labels))] = s.v;
  return out;
}
const one = (v: Value) => {
  const xs = Object.values(values(v));
  assert.equal(xs.length, 1, JSON.stringify(v));
  return xs[0]!;
};

test('an instant selector takes the newest sample within 5 minutes, inclusive, and none after a staleness marker', () => {
  const store = new SeriesStore();
  store.append({ __name__: 'x', a: '1' }, 0, 1);
  store.append({ __name__: 'x', a: '1' }, 60 * S, 2);
  const e = new Engine(store);
  assert.equal(one(e.query('x', 60 * S)), 2);
  assert.equal(one(e.query('x', 59 * S)), 1);
  assert.equal(one(e.query('x', 60 * S + 5 * MIN)), 2, 'exactly the lookback delta back still counts');
  assert.deepEqual(values(e.query('x', 60 * S + 5 * MIN + 1)), {});
  assert.deepEqual(values(e.query('x', -1)), {});
  store.append({ __name__: 'x', a: '1' }, 120 * S, NaN, true);
  assert.deepEqual(values(e.query('x', 150 * S)), {}, 'stale from the marker on');
  assert.equal(one(e.query('x', 119 * S)), 2);
  store.append({ __name__: 'x', a: '1' }, 180 * S, 3);
  assert.equal(one(e.query('x', 180 * S)), 3, 'a new sample ends the staleness');
  assert.equal(one(e.query('x offset 2m', 180 * S)), 2);
  assert.equal(one(e.query('count_over_time(x[3m])', 180 * S)), 3, 'a range includes both ends (0 s and 180 s) and never the marker');
});

test('rate and increase add counter resets back and extrapolate to the window as Prometheus 2.42 does', () => {
  const store = new SeriesStore();
  // 15 s scrapes, +10 per scrape, a restart (reset to 0) at 150 s.
  for (let i = 0; i <= 20; i++) store.append({ __name__: 'c' }, i * 15 * S, i < 10 ? i * 10 : (i - 10) * 10);
  const e = new Engine(store);
  assert.equal(one(e.query('increase(c[5m])', 300 * S)), 190, '90 before the reset, 100 after');
  // Window [180 s, 300 s]: samples at both ends, 9 samples, +80 over 120 s: no extrapolation needed.
  assert.equal(one(e.query('rate(c[2m])', 300 * S)), 80 / 120);
  // Window [250 s, 310 s]: +30 from 255 s to 300 s; both gaps to the edges (5 s, 10 s) are under
  // 1.1 × the 15 s spacing, so the 45 s sampled stretch its 30 to the whole minute: 40.
  assert.equal(one(e.query('increase(c[1m])', 310 * S)), 40);
  assert.deepEqual(values(e.query('rate(c[10s])', 301 * S)), {}, 'one sample makes no rate');
  assert.equal(one(e.query('irate(c[1m])', 300 * S)), 10 / 15);
  assert.equal(one(e.query('delta(c[2m])', 300 * S)), 80);
});

test('a counter is never extrapolated below zero', () => {
  const store = new SeriesStore();
  for (let i = 1; i <= 4; i++) store.append({ __name__: 'c' }, i * 60 * S, i * 60);
  // Window [0, 240 s]: the counter started at 0 about 60 s before its first sample.
  assert.equal(one(new Engine(store).query('increase(c[4m])', 240 * S)), 240);
});

test('vector matching: one-to-one ignores the name, group_left copies labels, duplicates are an error as in Prometheus', () => {
  const store = new SeriesStore();
  store.append({ __name__: 'req', route: '/a', status: '200' }, 0, 90);
  store.append({ __name__: 'req', route: '/a', status: '500' }, 0, 10);
  store.append({ __name__: 'req', route: '/b', status: '200' }, 0, 50);
  store.append({ __name__: 'tot', route: '/a', owner: 'x' }, 0, 100);
  store.append({ __name__: 'tot', route: '/b', owner: 'y' }, 0, 50);
  store.append({ __name__: 'other', route: '/b', status: '200' }, 0, 1);
  const e = new Engine(store);
  assert.deepEqual(values(e.query('req / on(route) group_left(owner) tot', 0)), {
    '{"owner":"x","route":"/a","status":"200"}': 0.9,
    '{"owner":"x","route":"/a","status":"500"}': 0.1,
    '{"owner":"y","route":"/b","status":"200"}': 1,
  });
  assert.throws(() => e.query('req / on(route) tot', 0), /many-to-one matching must be explicit/);
  assert.throws(() => e.query('tot / on(route) group_left req', 0), /duplicate series for the match group/);
  assert.deepEqual(values(e.query('req > bool 20', 0)), {
    '{"route":"/a","status":"200"}': 1,
    '{"route":"/a","status":"500"}': 0,
    '{"route":"/b","status":"200"}': 1,
  });
  assert.deepEqual(Object.keys(values(e.query('req > 20', 0))).length, 2, 'a filter keeps the name and the value');
  assert.deepEqual(values(e.query('sum by (route) (req) unless on(route) tot < 60', 0)), { '{"route":"/a"}': 100 });
  assert.deepEqual(values(e.query('req{route="/b"} or req', 0)), values(e.query('req', 0)));
  assert.deepEqual(values(e.query('label_replace(tot, "team", "t-$1", "owner", "(.*)")', 0)), {
    '{"__name__":"tot","owner":"x","route":"/a","team":"t-x"}': 100,
    '{"__name__":"tot","owner":"y","route":"/b","team":"t-y"}': 50,
  });
  assert.throws(() => e.query('-{__name__=~"req|other"}', 0), /same labelset/, 'dropping the name must not merge series silently');
});

test('histogram_quantile interpolates within buckets, repairs non-monotonic ones, and needs +Inf', () => {
  const store = new SeriesStore();
  const bucket = (le: string, v: number) => store.append({ __name__: 'h_bucket', le }, 0, v);
  bucket('0.1', 50);
  bucket('0.5', 90);
  bucket('1', 85); // below its predecessor: treated as 90
  bucket('+Inf', 100);
  const e = new Engine(store);
  assert.equal(one(e.query('histogram_quantile(0.5, h_bucket)', 0)), 0.1);
  assert.equal(one(e.query('histogram_quantile(0.7, h_bucket)', 0)), 0.1 + 0.4 * (20 / 40));
  assert.equal(one(e.query('histogram_quantile(0.95, h_bucket)', 0)), 1, 'in the +Inf bucket: the largest finite bound');
  assert.equal(one(e.query('histogram_quantile(2, h_bucket)', 0)), Infinity);
  const noInf = new SeriesStore();
  noInf.append({ __name__: 'h_bucket', le: '1' }, 0, 3);
  assert.ok(Number.isNaN(one(new Engine(noInf).query('histogram_quantile(0.5, h_bucket)', 0))));
});

test('over-time functions and aggregations compute as Prometheus does', () => {
  const store = new SeriesStore();
  [3, 1, 4, 1, 5, 9, 2, 6].forEach((v, i) => store.append({ __name__: 'g', k: 'a' }, i * MIN, v));
  [2, 7, 1, 8].forEach((v, i) => store.append({ __name__: 'g', k: 'b' }, i * MIN, v));
  const e = new Engine(store);
  const at = 7 * MIN;
  assert.equal(values(e.query('avg_over_time(g[7m])', at))['{"k":"a"}'], 31 / 8);
  assert.equal(values(e.query('quantile_over_time(0.5, g[7m])', at))['{"k":"a"}'], 3.5);
  assert.equal(values(e.query('quantile_over_time(0.25, g[7m])', at))['{"k":"a"}'], 1.75);
  assert.equal(values(e.query('max_over_time(g[7m]) - min_over_time(g[7m])', at))['{"k":"a"}'], 8);
  assert.ok(
    Math.abs(
      values(e.query('stddev_over_time(g[7m])', at))['{"k":"a"}']! -
        Math.sqrt(
          ((3 - 31 / 8) ** 2 +
            (1 - 31 / 8) ** 2 * 2 +
            (4 - 31 / 8) ** 2 +
            (5 - 31 / 8) ** 2 +
            (9 - 31 / 8) ** 2 +
            (2 - 31 / 8) ** 2 +
            (6 - 31 / 8) ** 2) /
            8,
        ),
    ) < 1e-12,
  );
  assert.equal(values(e.query('last_over_time(g[7m])', at))['{"__name__":"g","k":"a"}'], 6, 'last_over_time keeps the name');
  assert.equal(one(e.query('sum(g)', 3 * MIN)), 1 + 8);
  assert.equal(one(e.query('count(g)', 3 * MIN)), 2);
  assert.equal(one(e.query('avg(g)', 3 * MIN)), 4.5);
  assert.equal(one(e.query('max(g)', at)), 8, "b's last sample is 4 minutes old: inside the lookback");
  assert.equal(one(e.query('quantile(0.5, g)', 3 * MIN)), 4.5);
  assert.deepEqual(values(e.query('clamp(g, 2, 5)', 1 * MIN)), { '{"k":"a"}': 2, '{"k":"b"}': 5 });
  assert.deepEqual(values(e.query('clamp(g, 5, 2)', 1 * MIN)), {}, 'min above max: nothing');
  assert.deepEqual(e.query('scalar(sum(g)) * 2', 0), { type: 'scalar', v: 10 });
});
