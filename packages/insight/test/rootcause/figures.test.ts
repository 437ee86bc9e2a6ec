// A program's figures from the store: summed over its instances, probes left out, 5xx counted as
// errors, the mean from the histogram's sum and count, calls per dependency with failures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RingStore } from '../../src/metrics/ring-store.ts';
import { dependencyNames, programFigures } from '../../src/rootcause/figures.ts';

type Sample = [string, Record<string, string>, number];

function scrape(store: RingStore, target: string, program: string, t: number, samples: Sample[]): void {
  const ring = store.begin(target, program, t);
  for (const [n, l, v] of samples) store.put(ring, n, l, v);
  store.end(ring);
}

const req = (route: string, status: string, v: number): Sample => ['holdfast_http_requests_total', { route, method: 'GET', status }, v];
const dur = (route: string, sum: number, count: number): Sample[] => [
  ['holdfast_http_request_duration_seconds_sum', { route, method: 'GET', status: '200' }, sum],
  ['holdfast_http_request_duration_seconds_count', { route, method: 'GET', status: '200' }, count],
];
const call = (dependency: string, outcome: string, v: number): Sample => [
  'holdfast_dependency_upstream_calls_total',
  { dependency, outcome },
  v,
];

test('figures of a program: its instances summed, probes out, 5xx as errors, the mean from sum and count', () => {
  const store = new RingStore({ slots: 10, maxSeries: 100 });
  scrape(store, 'web:0', 'web', 1000, [
    req('/a', '200', 100),
    req('/metrics', '200', 50),
    ...dur('/a', 1, 100),
    call('db', 'success', 40),
    call('db', 'timeout', 0),
  ]);
  scrape(store, 'web:1', 'web', 1000, [req('/a', '200', 10)]);
  scrape(store, 'db', 'db', 1000, [req('/q', '200', 1)]);
  scrape(store, 'web:0', 'web', 11_000, [
    req('/a', '200', 180),
    req('/a', '503', 20),
    req('/metrics', '200', 60),
    ...dur('/a', 5, 180),
    call('db', 'success', 70),
    call('db', 'timeout', 10),
    call('cache', 'error', 3),
  ]);
  scrape(store, 'web:1', 'web', 11_000, [req('/a', '200', 30), req('/a', '500', 5)]);
  const f = programFigures(store, 'web', 1000, 11_000);
  assert.deepEqual(f.served, { requests: 80 + 20 + 20 + 5, errors: 25, seconds: 10, meanSeconds: 4 / 80 });
  assert.deepEqual(f.calls.get('db'), { requests: 40, errors: 10, seconds: 10 });
  assert.deepEqual(f.calls.get('cache'), { requests: 3, errors: 3, seconds: 10 }, 'a dependency first seen failing counts from zero');
  assert.deepEqual(dependencyNames(store, 'web'), ['cache', 'db']);
  const kept = programFigures(store, 'web', 1000, 11_000, new Set());
  assert.equal(kept.served!.requests, 125 + 10, 'with no route ignored, the scrapes of /metrics count');
});

test('no figures without a good read in the window; zero requests when read but idle', () => {
  const store = new RingStore({ slots: 10, maxSeries: 100 });
  const ring = store.begin('x', 'x', 1000);
  store.end(ring, 'ECONNREFUSED');
  assert.equal(programFigures(store, 'x', 0, 2000).served, undefined);
  scrape(store, 'x', 'x', 3000, []);
  assert.deepEqual(programFigures(store, 'x', 2000, 4000).served, { requests: 0, errors: 0, seconds: 2 });
  assert.equal(programFigures(store, 'nobody', 0, 4000).served, undefined);
  assert.equal(store.earliest(), 1000);
});
