// service.dependency() against a real upstream and a real Redis: single-flight, stale-if-error
// then fallback, timeouts, the breaker, the retry budget, refresh ahead, sharing through Redis.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, waitFor } from '@holdfast/testkit';
import { createService, ServiceOptionsError } from '../src/index.ts';
import { metric, read, startReader, startUpstream } from './dependency-helpers.ts';
import { startRedis } from './redis-server.ts';

test('single-flight: 100 concurrent misses make 1 upstream call', async (t) => {
  const redis = await startRedis(t);
  const up = await startUpstream(t);
  up.fault.latencyMs = 1000;
  const s = await startReader(t, up, { timeoutMs: 5000, cache: { freshMs: 60_000, maxStaleMs: 60_000 } }, { redis: redis.url });
  const answers = await Promise.all(Array.from({ length: 100 }, () => read(`${s.url}/stock/tea`)));
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
  assert.equal(up.calls, 1, 'one upstream call for 100 concurrent misses');
  assert.ok(answers.every((a) => (a.cache === 'miss' || a.cache === 'fresh') && a.body.sku === 'tea'));
  // Those that arrived while the load was in flight joined it; any later ones hit memory.
  const misses = answers.filter((a) => a.cache === 'miss').length;
  assert.ok(misses >= 50, `${misses} of 100 requests were concurrent misses`);
  const m = await (await fetch(`${s.url}/metrics`)).text();
  assert.equal(metric(m, 'holdfast_dependency_coalesced_total', { dependency: 'inventory' }), misses - 1);
  assert.equal(metric(m, 'holdfast_dependency_upstream_calls_total', { dependency: 'inventory', outcome: 'success' }), 1);
  // The next read is a fresh hit from memory: no call.
  assert.equal((await read(`${s.url}/stock/tea`)).cache, 'fresh');
  assert.equal(up.calls, 1);
});

test('upstream down: stale data within maxStale, then the fallback; nothing to serve is a 503', async (t) => {
  const up = await startUpstream(t);
  const s = await startReader(t, up, {
    cache: { freshMs: 150, maxStaleMs: 900 },
    retry: false,
    breaker: false,
    fallback: (sku) => ({ sku, available: 0, fallback: true }),
  });
  const first = await read(`${s.url}/stock/tea`);
  assert.equal(first.cache, 'miss');
  up.fault.down = true;
  const stale = await waitFor('a stale-if-error answer', async () => {
    const r = await read(`${s.url}/stock/tea`);
    assert.equal(r.status, 200);
    return r.cache === 'stale-if-error' ? r : undefined;
  });
  assert.equal(stale.body.servedAt, first.body.servedAt, 'the cached value, not a new one');
  assert.ok(stale.age !== null, 'stale answers carry an Age header');
  // A key never cached goes straight to the fallback.
  const never = await read(`${s.url}/stock/mug`);
  assert.equal(never.cache, 'fallback');
  assert.equal(never.body.fallback, true);
  // Past maxStale the cached value is too old: fallback.
  const fb = await waitFor(
    'the fallback once maxStale has passed',
    async () => {
      const r = await read(`${s.url}/stock/tea`);
      assert.equal(r.status, 200, 'never an error while a fallback exists');
      return r.cache === 'fallback' ? r : undefined;
    },
    { timeoutMs: 5000 },
  );
  assert.equal(fb.body.fallback, true);
  const m = await (await fetch(`${s.url}/metrics`)).text();
  assert.ok(metric(m, 'holdfast_dependency_requests_total', { served: 'stale-if-error' }) >= 1);
  assert.ok(metric(m, 'holdfast_dependency_requests_total', { served: 'fallback' }) >= 2);
  assert.ok(metric(m, 'holdfast_dependency_stale_age_seconds_count', { dependency: 'inventory' }) >= 1);
  // Recovery: the upstream is back, the next read fetches it.
  up.fault.down = false;
  assert.equal((await read(`${s.url}/stock/tea`)).cache, 'miss');

  // Without cache and fallback, a failure is a typed 503.
  const bare = await startReader(t, up, { retry: false }, {});
  up.fault.down = true;
  const r = await read(`${bare.url}/stock/tea`);
  assert.equal(r.status, 503);
  assert.equal(r.body.code, 'HOLDFAST_E_DEPENDENCY');
});

test('a slow upstream is cut at timeoutMs and the fallback answers', async (t) => {
  const up = await startUpstream(t);
  up.fault.latencyMs = 3000;
  const s = await startReader(t, up, { timeoutMs: 100, retry: false, fallback: { sku: '?', available: 0, fallback: true } });
  const r = await read(`${s.url}/stock/tea`);
  assert.equal(r.cache, 'fallback');
  assert.ok(r.ms < 2500, `answered in ${Math.round(r.ms)} ms, long before the upstream's 3000 ms`);
  const m = await (await fetch(`${s.url}/metrics`)).text();
  assert.equal(metric(m, 'holdfast_dependency_upstream_calls_total', { outcome: 'timeout' }), 1);
});

test('the breaker opens on failures and stops calling the upstream until it may probe', async (t) => {
  const up = await startUpstream(t);
  up.fault.down = true;
  const s = await startReader(t, up, {
    retry: false,
    breaker: { minRequestAmount: 5, threshold: 0.5, retryTimeoutMs: 60_000 },
    fallback: { sku: '?', available: 0, fallback: true },
  });
  for (let i = 0; i < 30; i++) assert.equal((await read(`${s.url}/stock/k${i}`)).cache, 'fallback');
  assert.ok(up.calls >= 5 && up.calls <= 6, `upstream called ${up.calls} times; the breaker should open after 5 failures`);
  const m = await (await fetch(`${s.url}/metrics`)).text();
  assert.ok(metric(m, 'holdfast_dependency_upstream_calls_total', { outcome: 'blocked' }) >= 24);
  assert.match(m, /holdfast_dependency_guard_breaker_state\{[^}]*state="open"[^}]*\} 1/);
});

test('retries stay within the retry budget when every call fails', async (t) => {
  const up = await startUpstream(t);
  up.fault.down = true;
  const s = await startReader(t, up, {
    breaker: false,
    retry: { attempts: 5, backoffMs: 0, budget: { ratio: 0.1, minPerSecond: 0, maxTokens: 10 } },
    fallback: { sku: '?', available: 0 },
  });
  for (let i = 0; i < 100; i++) await read(`${s.url}/stock/k${i}`);
  // 100 first attempts; retries at most 10% of them plus the one starting token.
  assert.ok(up.calls >= 100 && up.calls <= 111, `upstream saw ${up.calls} calls for 100 requests with attempts: 5`);
  const m = await (await fetch(`${s.url}/metrics`)).text();
  assert.ok(metric(m, 'holdfast_dependency_retries_total', { decision: 'budget_exhausted' }) >= 89);
});

test('refresh ahead: a hit late in its freshness refreshes in the background and stays fresh', async (t) => {
  const up = await startUpstream(t);
  const s = await startReader(t, up, { cache: { freshMs: 1000, maxStaleMs: 0, refreshAhead: 0.3 } });
  const first = await read(`${s.url}/stock/tea`);
  assert.equal(first.cache, 'miss');
  await new Promise((r) => setTimeout(r, 400));
  const hit = await read(`${s.url}/stock/tea`);
  assert.equal(hit.cache, 'fresh');
  await waitFor('the background refresh', () => up.calls === 2);
  const after = await read(`${s.url}/stock/tea`);
  assert.equal(after.cache, 'fresh');
  assert.notEqual(after.body.servedAt, first.body.servedAt, 'the refreshed value is served');
  const m = await (await fetch(`${s.url}/metrics`)).text();
  assert.equal(metric(m, 'holdfast_dependency_refreshes_total', { outcome: 'success' }), 1);
});

test('two instances share values through Redis: the second answers fresh without calling the upstream', async (t) => {
  const redis = await startRedis(t);
  const up = await startUpstream(t);
  const a = await startReader(t, up, { cache: { freshMs: 60_000, maxStaleMs: 0 } }, { redis: redis.url });
  const b = await startReader(t, up, { cache: { freshMs: 60_000, maxStaleMs: 0 } }, { redis: redis.url });
  // The cache never waits on Redis: while a client is still connecting it is skipped. On a
  // loaded machine that can outlast the first request, so start once both are connected.
  await waitFor('both readers connected to redis', () => a.redis!.status === 'ready' && b.redis!.status === 'ready');
  assert.equal((await read(`${a.url}/stock/tea`)).cache, 'miss');
  // Written to Redis in the background, under the dependency's name.
  await waitFor('the value in redis', () => a.redis!.exists('holdfast:dep:inventory:tea'));
  const fromB = await waitFor("b reads a's value from redis", async () => {
    const r = await read(`${b.url}/stock/tea`);
    return r.cache === 'fresh' ? r : undefined;
  });
  assert.equal(fromB.status, 200);
  assert.equal(up.calls, 1);
});

test('a dependency without timeoutMs gets the default and a warning', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'service.log');
  const up = await startUpstream(t);
  const s = createService({
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    handleProcessErrors: false,
    logger: { destination: log, level: 'warn' },
    memory: { enabled: false, signal: false },
  });
  const d = s.dependency('no-timeout', { fetch: async () => (await fetch(up.url)).json() });
  assert.equal(d.options.timeoutMs, 2000);
  await s.start();
  await s.stop('test');
  const lines = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; dependency?: string; level: number });
  const warn = lines.find((l) => l.dependency === 'no-timeout');
  assert.ok(warn && warn.level === 40 && /no timeoutMs: using 2000 ms/.test(warn.msg), JSON.stringify(lines));
  assert.throws(() => s.dependency('no-timeout', { fetch: async () => 1, timeoutMs: 10 }), /already declared/);
});

test('an unparseable Redis URL is a startup error naming the option', () => {
  const cases: [object, NodeJS.ProcessEnv | undefined, RegExp][] = [
    [{ redis: 'http://127.0.0.1:6379' }, undefined, /redis: 'http:\/\/127\.0\.0\.1:6379' is not a usable Redis URL: the scheme is 'http'/],
    [{ redis: { url: 'redis://127.0.0.1:99999' } }, undefined, /redis\.url: .*(port|does not parse)/],
    [{ redis: 'redis://:secret@127.0.0.1/42' }, undefined, /database '42'/],
    [{}, { REDIS_URL: 'not a url' }, /REDIS_URL environment variable\): 'not a url' is not a usable Redis URL/],
  ];
  for (const [options, env, re] of cases) {
    const saved = process.env.REDIS_URL;
    if (env?.REDIS_URL) process.env.REDIS_URL = env.REDIS_URL;
    try {
      assert.throws(
        () => createService({ port: 0, handleSignals: false, handleProcessErrors: false, logger: { level: 'silent' }, ...options }),
        (e: unknown) => e instanceof ServiceOptionsError && re.test(e.message) && !e.message.includes('secret'),
        JSON.stringify(options),
      );
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  }
});
