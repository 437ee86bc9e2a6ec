// The compact store and the scrape parser: what a scrape keeps, what memory it holds and never
// exceeds, and how counters are counted across resets, new series and failed scrapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { familyOf, parseExposition } from '../../src/metrics/exposition.ts';
import { increase, RingStore, seriesKey } from '../../src/metrics/ring-store.ts';

const scrape = `# HELP holdfast_http_requests_total HTTP requests by method, route template and status code
# TYPE holdfast_http_requests_total counter
holdfast_http_requests_total{method="GET",route="/orders/:id",status="200",service="orders"} 41
holdfast_http_requests_total{method="POST",route="/orders",status="503",service="orders"} 7
# TYPE holdfast_http_request_duration_seconds histogram
holdfast_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/orders/:id",status="200",service="orders"} 3
holdfast_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/orders/:id",status="200",service="orders"} 41
holdfast_http_request_duration_seconds_sum{method="GET",route="/orders/:id",status="200",service="orders"} 1.25
holdfast_http_request_duration_seconds_count{method="GET",route="/orders/:id",status="200",service="orders"} 41
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{service="orders"} 12.5 1712345678000
weird_escape{path="a\\\\b \\"q\\" \\nx"} +Inf
`;

test('a scrape: wanted samples with their labels, the rest skipped unparsed, types kept', () => {
  const got: [string, Record<string, string>, number][] = [];
  const r = parseExposition(
    scrape,
    (n) => n.startsWith('holdfast_http_requests') || n.endsWith('_sum') || n === 'weird_escape',
    (n, l, v) => got.push([n, l, v]),
  );
  assert.equal(r.samples, 4);
  assert.equal(r.skipped, 4);
  assert.equal(r.malformed, 0);
  assert.deepEqual(got[0], ['holdfast_http_requests_total', { method: 'GET', route: '/orders/:id', status: '200', service: 'orders' }, 41]);
  assert.deepEqual(got[2], [
    'holdfast_http_request_duration_seconds_sum',
    { method: 'GET', route: '/orders/:id', status: '200', service: 'orders' },
    1.25,
  ]);
  assert.deepEqual(got[3], ['weird_escape', { path: 'a\\b "q" \nx' }, Infinity]);
  assert.equal(r.types.get('holdfast_http_request_duration_seconds'), 'histogram');
  assert.equal(familyOf('holdfast_http_request_duration_seconds_bucket', r.types), 'holdfast_http_request_duration_seconds');
  assert.equal(familyOf('holdfast_http_requests_total', r.types), 'holdfast_http_requests_total');
  assert.equal(familyOf('no_such_total', r.types), 'no_such_total');
});

test('malformed lines are counted and named, the rest of the scrape is read', () => {
  const text = 'ok 1\nbad{a="x" 2\nbad2{a=x} 3\nbad3 abc\nbad4{a="1",a="2"} 1\n9bad 1\nok2{} 2\r\n';
  const got: string[] = [];
  const r = parseExposition(
    text,
    () => true,
    (n) => got.push(n),
  );
  assert.deepEqual(got, ['ok', 'ok2']);
  assert.equal(r.malformed, 5);
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [2, 3, 4, 5, 6],
  );
  assert.match(r.errors[1]!.message, /not quoted/);
});

test('a ring holds `slots` scrapes per target; a sample costs 8 bytes', () => {
  const store = new RingStore({ slots: 4, maxSeries: 100 });
  for (let i = 1; i <= 10; i++) {
    const ring = store.begin('orders:0', 'orders', i * 1000);
    store.put(ring, 'c_total', { a: '1' }, i * 10);
    store.end(ring);
  }
  const ring = store.target('orders:0')!;
  const s = ring.series.get(seriesKey('c_total', { a: '1' }))!;
  assert.equal(ring.oldestSeq, 7);
  assert.deepEqual(
    [...ring.times].sort((a, b) => a - b),
    [7000, 8000, 9000, 10_000],
  );
  assert.equal(increase(ring, s, 0, 10_000), 30, 'only what the ring still holds: 70 → 100');
  assert.equal(store.bytes(), 4 * 9 + 200 + 4 * 8 + 2 * s.key.length + 250);
});

test('counters: resets add the value after them, a window start takes the sample before it', () => {
  const store = new RingStore({ slots: 20, maxSeries: 10 });
  const values = [100, 110, 130, 5, 25, 40];
  values.forEach((v, i) => {
    const ring = store.begin('t', 'p', (i + 1) * 1000);
    store.put(ring, 'c_total', {}, v);
    store.end(ring);
  });
  const ring = store.target('t')!;
  const s = [...ring.series.values()][0]!;
  assert.equal(increase(ring, s, 1000, 6000), 10 + 20 + 5 + 20 + 15, 'from the sample at 1000 (100) to 40, with the restart counting 5');
  assert.equal(increase(ring, s, 0, 6000), 70, 'a series present since the first scrape: its first value is not an increase');
  assert.equal(increase(ring, s, 3000, 4000), 5);
  assert.equal(increase(ring, s, 6000, 9000), undefined, 'no sample in the window');
});

test('a series that appears after a good scrape started from zero; one present from the first scrape did not', () => {
  const store = new RingStore({ slots: 20, maxSeries: 10 });
  const scrapes: Record<string, number>[] = [{ ok: 50 }, { ok: 60 }, { ok: 70, err: 7 }, { ok: 80, err: 9 }];
  scrapes.forEach((sc, i) => {
    const ring = store.begin('t', 'p', (i + 1) * 1000);
    for (const [status, v] of Object.entries(sc)) store.put(ring, 'req_total', { status }, v);
    store.end(ring);
  });
  const ring = store.target('t')!;
  const err = ring.series.get(seriesKey('req_total', { status: 'err' }))!;
  const ok = ring.series.get(seriesKey('req_total', { status: 'ok' }))!;
  assert.equal(increase(ring, err, 0, 4000), 9, 'the first 5xx series counts from zero');
  assert.equal(increase(ring, err, 2500, 4000), 9, 'its absence at 2000 was a zero');
  assert.equal(increase(ring, err, 3000, 4000), 2);
  assert.equal(increase(ring, ok, 0, 4000), 30);
});

test('a failed scrape is a gap, not a zero; a series absent from a failed scrape is not new', () => {
  const store = new RingStore({ slots: 20, maxSeries: 10 });
  let ring = store.begin('t', 'p', 1000);
  store.end(ring, 'ECONNREFUSED');
  ring = store.begin('t', 'p', 2000);
  store.put(ring, 'c_total', {}, 500);
  store.end(ring);
  ring = store.begin('t', 'p', 3000);
  store.end(ring, 'timeout');
  ring = store.begin('t', 'p', 4000);
  store.put(ring, 'c_total', {}, 520);
  store.end(ring);
  const s = [...ring.series.values()][0]!;
  assert.equal(increase(ring, s, 0, 4000), 20, '500 was counted before the daemon saw it');
  assert.equal(ring.failures, 0);
  assert.equal(ring.lastError, undefined);
  ring = store.begin('t', 'p', 5000);
  store.end(ring, 'ECONNREFUSED');
  assert.equal(ring.failures, 1);
  assert.equal(ring.lastError, 'ECONNREFUSED');
});

test('maxSeries bounds the store whatever the scrapes hold; gone series and targets are dropped', () => {
  const store = new RingStore({ slots: 3, maxSeries: 5 });
  let ring = store.begin('a', 'p', 1000);
  for (let i = 0; i < 8; i++) store.put(ring, 'x', { i: String(i) }, i);
  store.end(ring);
  assert.equal(store.seriesCount, 5);
  assert.equal(store.dropped, 3);
  assert.equal(store.truncated, true);
  const full = store.bytes();
  for (let t = 2000; t <= 4000; t += 1000) {
    ring = store.begin('a', 'p', t);
    store.put(ring, 'x', { i: '0' }, 1);
    store.end(ring);
  }
  assert.equal(store.seriesCount, 1, 'four series absent for a whole ring are gone');
  assert.ok(store.bytes() < full);
  ring = store.begin('b', 'q', 5000);
  store.put(ring, 'y', {}, 1);
  store.end(ring);
  store.prune(4500);
  assert.deepEqual(
    [...store.targets()].map((r) => r.target),
    ['b'],
  );
  assert.equal(store.seriesCount, 1);
});

test('a target taken over by another program starts a new ring', () => {
  const store = new RingStore({ slots: 3, maxSeries: 5 });
  let ring = store.begin('x:0', 'old', 1000);
  store.put(ring, 'a', {}, 1);
  store.end(ring);
  ring = store.begin('x:0', 'new', 2000);
  assert.equal(ring.program, 'new');
  assert.equal(ring.series.size, 0);
  assert.equal(store.seriesCount, 0);
});

test('bad sizes are refused', () => {
  assert.throws(() => new RingStore({ slots: 1, maxSeries: 1 }), /slots must be a whole number of at least 2/);
  assert.throws(() => new RingStore({ slots: 10, maxSeries: 0 }), /maxSeries must be a positive whole number/);
});
