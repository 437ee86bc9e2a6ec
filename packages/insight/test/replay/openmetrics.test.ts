// Replay files: OpenMetrics with timestamps (what promtool backfills) or the Prometheus text
// format; gaps and counter resets kept as they are; every malformed line named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine } from '../../src/promql/engine.ts';
import { medianInterval, readReplay, writeOpenMetrics } from '../../src/replay/openmetrics.ts';
import { generateReplay, TYPES_OF_GENERATED } from '../../src/replay/synthetic.ts';

const text = `# TYPE req counter
req_total{route="/a",note="say \\"hi\\"\\n"} 10 1000
req_total{route="/a",note="say \\"hi\\"\\n"} 20 1060
req_total{route="/a",note="say \\"hi\\"\\n"} 5 1300
# EOF
`;

test('an OpenMetrics replay keeps gaps and counter resets, and the evaluator reads them as Prometheus does', () => {
  const { store, format, samples } = readReplay(text);
  assert.equal(format, 'openmetrics');
  assert.equal(samples, 3);
  const s = store.series()[0]!;
  assert.deepEqual(Object.fromEntries(s.labels), { __name__: 'req_total', note: 'say "hi"\n', route: '/a' });
  const e = new Engine(store);
  // Window [940 s, 1300 s]: three samples over 300 s: +10, then a reset to 5 (the 20 before it
  // added back): 15. The first sample is 60 s in, under 1.1 × the 150 s average spacing, so the
  // start extrapolates by 60 s (the zero point, 300 × 10/15 = 200 s back, is further); the end is
  // the last sample: 15 × (300 + 60) / 300 = 18.
  const inc = e.query('increase(req_total[6m])', 1_300_000);
  assert.equal(inc.type === 'vector' ? inc.vector[0]!.v : NaN, 18);
  // Through the 4-minute gap the last sample still answers (lookback 5 m); past it, nothing.
  const during = e.query('req_total', 1_290_000);
  assert.equal(during.type === 'vector' ? during.vector[0]!.v : NaN, 20);
  assert.deepEqual(e.query('req_total', 1_300_000 + 5 * 60_000 + 1), { type: 'vector', vector: [] });
});

test('the Prometheus text format (no # EOF) takes millisecond timestamps', () => {
  const { store, format } = readReplay('x{a="1"} 1 60000\nx{a="1"} 2 120000\n');
  assert.equal(format, 'prometheus');
  assert.deepEqual([...store.series()[0]!.t.subarray(0, 2)], [60_000, 120_000]);
});

test('malformed replays are refused with the file and line', () => {
  const refuse = (body: string, message: RegExp) =>
    assert.throws(
      () => readReplay(body, 'r.om'),
      (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_REPLAY' && message.test(err.message),
      body,
    );
  refuse('x 1\n', /r\.om:1: a replay sample needs a timestamp/);
  refuse('x 1 10\nx 2 5\n# EOF\n', /r\.om:2: out-of-order sample/);
  refuse('x 1 10\nx 2 10\n# EOF\n', /r\.om:2: duplicate timestamp/);
  refuse('x{a=1} 1 10\n# EOF\n', /r\.om:1: malformed labels/);
  refuse('x one 10\n', /r\.om:1: 'one' is not a value/);
  refuse('# EOF\nx 1 1\n', /r\.om:1: # EOF before the end/);
  refuse('\n# only comments\n', /no samples/);
});

test('a generated replay is deterministic, round-trips through OpenMetrics, and has resets and gaps', () => {
  const a = generateReplay({ seed: 5, weeks: 1.5 });
  const b = generateReplay({ seed: 5, weeks: 1.5 });
  const om = writeOpenMetrics(a.store.series(), TYPES_OF_GENERATED);
  assert.equal(om, writeOpenMetrics(b.store.series(), TYPES_OF_GENERATED), 'same seed, same bytes');
  assert.notEqual(om, writeOpenMetrics(generateReplay({ seed: 6, weeks: 1.5 }).store.series(), TYPES_OF_GENERATED));
  assert.deepEqual(a.incidents, b.incidents);
  assert.match(om, /^# TYPE holdfast_http_requests counter\nholdfast_http_requests_total\{/);
  const back = readReplay(om);
  assert.equal(back.store.size, a.store.size);
  for (const s of a.store.series()) {
    const r = back.store.get(s.labels)!;
    assert.equal(r.n, s.n);
    assert.deepEqual([...r.v.subarray(0, r.n)], [...s.v.subarray(0, s.n)]);
  }
  assert.equal(medianInterval(back.store), 60_000);
  assert.ok(a.restarts.length >= 3 && a.gaps.length >= 4, 'restarts and missed scrapes');
  const s = a.store.series()[0]!;
  let resets = 0;
  for (let i = 1; i < s.n; i++) if (s.v[i]! < s.v[i - 1]!) resets++;
  assert.ok(resets > 0, 'the counter resets');
});
