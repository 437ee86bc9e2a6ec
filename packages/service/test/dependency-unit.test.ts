// The pure parts of dependency(): retry budget, LRU, freshness, single-flight, options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshness, newest } from '../src/cache/entry.ts';
import { Lru } from '../src/cache/lru.ts';
import { resolveDependencyOptions } from '../src/dependency/options.ts';
import { RetryBudget } from '../src/dependency/retry-budget.ts';
import { SingleFlight } from '../src/dependency/single-flight.ts';
import { ServiceOptionsError } from '../src/index.ts';

test('the retry budget allows ratio × requests plus a time floor, never more', () => {
  let now = 0;
  const b = new RetryBudget({ ratio: 0.1, minPerSecond: 0, maxTokens: 100 }, now);
  // Starts with one token so a cold service can retry once.
  assert.equal(b.tryWithdraw(now), true);
  assert.equal(b.tryWithdraw(now), false);
  for (let i = 0; i < 100; i++) b.deposit(now);
  let retries = 0;
  while (b.tryWithdraw(now)) retries++;
  assert.equal(retries, 10, '100 requests at ratio 0.1 buy exactly 10 retries');
  // An outage: every request fails and wants a retry; retries stay at 10% of requests.
  retries = 0;
  for (let i = 0; i < 1000; i++) {
    b.deposit(now);
    if (b.tryWithdraw(now)) retries++;
  }
  assert.ok(retries <= 100 && retries >= 99, `retries ${retries} for 1000 requests`);
  // The floor refills with time only.
  const f = new RetryBudget({ ratio: 0, minPerSecond: 2, maxTokens: 5 }, now);
  while (f.tryWithdraw(now));
  now += 1000;
  assert.equal(f.tryWithdraw(now), true);
  assert.equal(f.tryWithdraw(now), true);
  assert.equal(f.tryWithdraw(now), false);
  now += 60_000;
  let burst = 0;
  while (f.tryWithdraw(now)) burst++;
  assert.equal(burst, 5, 'maxTokens caps the burst after a quiet spell');
  assert.throws(() => new RetryBudget({ ratio: 2, minPerSecond: 0, maxTokens: 1 }, 0), /ratio/);
  assert.throws(() => new RetryBudget({ ratio: 0.1, minPerSecond: -1, maxTokens: 1 }, 0), /minPerSecond/);
  assert.throws(() => new RetryBudget({ ratio: 0.1, minPerSecond: 0, maxTokens: 0 }, 0), /maxTokens/);
});

test('the LRU evicts the least recently used entry and counts evictions', () => {
  const l = new Lru<number>(2);
  l.set('a', 1);
  l.set('b', 2);
  assert.equal(l.get('a'), 1); // a is now the most recent
  l.set('c', 3);
  assert.equal(l.peek('b'), undefined);
  assert.equal(l.get('a'), 1);
  assert.equal(l.get('c'), 3);
  assert.equal(l.evictions, 1);
  assert.equal(l.size, 2);
  assert.throws(() => new Lru(0), /maxEntries/);
});

test('freshness: fresh below freshMs, stale up to freshMs + maxStaleMs, then expired', () => {
  const p = { freshMs: 100, maxStaleMs: 50 };
  const e = { value: 1, storedAt: 1000 };
  assert.equal(freshness(e, p, 1000), 'fresh');
  assert.equal(freshness(e, p, 1099), 'fresh');
  assert.equal(freshness(e, p, 1100), 'stale');
  assert.equal(freshness(e, p, 1150), 'stale');
  assert.equal(freshness(e, p, 1151), 'expired');
  assert.equal(newest(e, { value: 2, storedAt: 1001 })?.value, 2);
  assert.equal(newest(undefined, e), e);
});

test('single-flight shares one load among concurrent callers and forgets it when done', async () => {
  const sf = new SingleFlight<number>();
  let loads = 0;
  let release!: (n: number) => void;
  const load = () => {
    loads++;
    return new Promise<number>((r) => (release = r));
  };
  const calls = Array.from({ length: 50 }, () => sf.run('k', load));
  assert.equal(calls.filter((c) => c.shared).length, 49);
  release(7);
  assert.deepEqual(await Promise.all(calls.map((c) => c.promise)), Array(50).fill(7));
  assert.equal(loads, 1);
  assert.equal(sf.size, 0);
  // A failed load is not cached either.
  const failing = sf.run('k', () => Promise.reject(new Error('nope')));
  await assert.rejects(failing.promise, /nope/);
  assert.equal(sf.has('k'), false);
});

test('dependency options: bad input names the option; no timeout gets the default', () => {
  const fetch = async () => 1;
  const o = resolveDependencyOptions('inv', { fetch });
  assert.equal(o.timeoutMs, 2000);
  assert.equal(o.timeoutDefaulted, true);
  assert.equal(resolveDependencyOptions('inv', { fetch, timeoutMs: 300 }).timeoutDefaulted, false);
  const bad: [unknown, RegExp][] = [
    [{}, /dependency\('inv'\)\.fetch: fetch must be a function/],
    [{ fetch, timeoutMs: 0 }, /timeoutMs/],
    [{ fetch, cache: { maxStaleMs: 5 } }, /cache\.freshMs/],
    [{ fetch, cache: { freshMs: 1, refreshAhead: 2 } }, /cache\.refreshAhead/],
    [{ fetch, retry: { attempts: 0 } }, /retry\.attempts/],
    [{ fetch, retry: { backoffMs: 500, maxBackoffMs: 100 } }, /retry\.maxBackoffMs/],
    [{ fetch, bogus: true }, /bogus: unknown option/],
  ];
  for (const [input, re] of bad) {
    assert.throws(
      () => resolveDependencyOptions('inv', input),
      (e: unknown) => e instanceof ServiceOptionsError && re.test(e.message),
      JSON.stringify(Object.keys(input as object)),
    );
  }
  assert.throws(() => resolveDependencyOptions('has space', { fetch }), /dependency name/);
});
