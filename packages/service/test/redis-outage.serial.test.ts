// Redis is never the outage: killed under load, every read of a cached key still answers 200
// with its marker (from memory), the service turns DEGRADED but stays ready, and when Redis
// comes back the client reconnects by itself and the shared level is written again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@holdfast/testkit';
import { read, startReader, startUpstream } from './dependency-helpers.ts';
import { startRedis } from './redis-server.ts';

test(
  'Redis killed under load: 0 failed reads of cached keys, marked answers, DEGRADED not unready, reconnect and ' + 'reuse after restart',
  async (t) => {
    const redis = await startRedis(t);
    const up = await startUpstream(t);
    const s = await startReader(
      t,
      up,
      { timeoutMs: 500, cache: { freshMs: 300, maxStaleMs: 600_000 }, retry: false, breaker: { minRequestAmount: 5, retryTimeoutMs: 500 } },
      { redis: { url: redis.url, healthIntervalMs: 100, healthFall: 1, healthRise: 1 } },
    );
    const keys = Array.from({ length: 20 }, (_, i) => `sku-${i}`);
    for (const k of keys) assert.equal((await read(`${s.url}/stock/${k}`)).status, 200);
    await waitFor('READY', () => s.state === 'READY');
    await waitFor(
      'warm keys in redis',
      async () => (await s.redis!.exists(...keys.map((k) => `holdfast:dep:inventory:${k}`))) === keys.length,
    );

    const seen = new Map<string, number>();
    const failures: string[] = [];
    let maxMs = 0;
    let sent = 0;
    let phase = 'redis up';
    let stop = false;
    const loop = async (i: number) => {
      let n = i;
      while (!stop) {
        const r = await read(`${s.url}/stock/${keys[n++ % keys.length]}`);
        sent++;
        maxMs = Math.max(maxMs, r.ms);
        if (r.status !== 200 || !r.cache) failures.push(`${phase}: ${r.status} ${r.cache} ${r.body.code ?? ''}`);
        else seen.set(`${phase}:${r.cache}`, (seen.get(`${phase}:${r.cache}`) ?? 0) + 1);
      }
    };
    const loops = Array.from({ length: 4 }, (_, i) => loop(i * 5));
    try {
      await waitFor('load running', () => sent > 100);
      phase = 'redis killed';
      await redis.kill();
      await waitFor('DEGRADED after the Redis health check failed', () => s.state === 'DEGRADED', { timeoutMs: 5000 });
      assert.equal((await fetch(`${s.url}/readyz`)).status, 200, 'still ready: Redis is a shared dependency');
      const before = sent;
      const callsBefore = up.calls;
      // Keys expire every 300 ms: with Redis gone they are refreshed from the upstream (ahead of
      // expiry, so answers stay fresh, or on a miss), never failed.
      await waitFor('load goes on without Redis, refreshed from the upstream', () => sent > before + 200 && up.calls > callsBefore + 20, {
        timeoutMs: 10_000,
      });
      phase = 'redis and upstream down';
      up.fault.down = true;
      const before2 = sent;
      await waitFor(
        'load goes on without Redis and upstream',
        () => sent > before2 + 200 && (seen.get('redis and upstream down:stale-if-error') ?? 0) > 20,
        { timeoutMs: 15_000 },
      );
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    assert.deepEqual(failures, [], `${failures.length} failed of ${sent}`);
    assert.ok(
      (seen.get('redis killed:fresh') ?? 0) + (seen.get('redis killed:miss') ?? 0) > 0,
      `with Redis down, keys are served from memory or the upstream: ${JSON.stringify([...seen])}`,
    );
    assert.ok((seen.get('redis and upstream down:stale-if-error') ?? 0) > 0, 'with both down, answers come stale-if-error from memory');
    assert.ok(maxMs < 3000, `no read hung on the dead Redis (slowest ${Math.round(maxMs)} ms)`);

    // Redis back on the same port: reconnected in the background, READY again, and used.
    up.fault.down = false;
    await redis.restart();
    await waitFor('READY again after Redis came back', () => s.state === 'READY', { timeoutMs: 15_000 });
    assert.equal(s.redis!.status, 'ready');
    const fresh = await waitFor('a new key read from the upstream', async () => {
      const r = await read(`${s.url}/stock/after-restart`);
      return r.cache === 'miss' ? r : undefined;
    });
    assert.equal(fresh.status, 200);
    await waitFor(
      'the new key written to the restarted Redis',
      async () => (await s.redis!.exists('holdfast:dep:inventory:after-restart')) === 1,
    );
    const m = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(m, /holdfast_dependency_cache_remote_errors_total\{[^}]*op="get"[^}]*\} [1-9]/);
    assert.match(m, /holdfast_redis_up\{[^}]*\} 1/);
  },
);
