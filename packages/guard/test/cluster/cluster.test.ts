// Cluster rules in one process against a real Redis: permits leased and counted there, the
// fallback when Redis is slow or gone and the way back, and the bad inputs: a cluster rule with
// no store, rules that cannot be shared, a threshold below the replica count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { cleanup, startRedis, waitFor } from '@holdfast/testkit';
import { type ClusterModeEvent, type Guard, type GuardRules, RulesError, createGuard } from '@holdfast/guard';
import { redisClusterStore } from '@holdfast/guard/cluster-redis';

async function clusterGuard(t: Parameters<typeof cleanup>[0], url: string, rules: GuardRules, logs: string[] = []) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => {});
  const store = redisClusterStore({ redis, heartbeatMs: 100, timeoutMs: 100 });
  cleanup(t, async () => {
    await store.close();
    redis.disconnect();
  });
  await store.ready();
  const logger = { info: () => {}, warn: (_o: object, m: string) => void logs.push(m), error: () => {} };
  const guard = createGuard({ autoSample: false, logger, cluster: { store }, rules });
  cleanup(t, () => guard.close());
  const modes: ClusterModeEvent[] = [];
  guard.on('clusterMode', (e) => modes.push(e));
  return { guard, store, redis, modes };
}

/**
 * Tries `n` entries of `resource` 2 ms apart (a lease round trip on loopback is well under that;
 * a request made while its replica waits for permits is rejected, not queued), returns how many passed.
 */
async function attempt(guard: Guard, resource: string, n: number, key?: string): Promise<number> {
  let pass = 0;
  for (let i = 0; i < n; i++) {
    const e = guard.entry(resource, key === undefined ? undefined : { key });
    if (!e.blocked) {
      pass++;
      e.exit();
    }
    await delay(2);
  }
  return pass;
}

describe('cluster rules (one process, real Redis)', () => {
  it('admits exactly the threshold per window, counted in Redis, from leased permits', async (t) => {
    const redis = await startRedis(t);
    const { guard, redis: client } = await clusterGuard(t, redis.url, {
      flow: [{ id: 'g', resource: 'api', threshold: 50, statIntervalMs: 60_000, statBuckets: 1, clusterMode: true }],
    });
    const passed = await attempt(guard, 'api', 200);
    assert.equal(passed, 50, 'a one-minute window of 50 admits 50 out of 200');
    const keys = await client.keys('{holdfast-guard}:g:*');
    assert.equal(keys.length, 1);
    assert.equal(Number(await client.get(keys[0]!)), 50, 'Redis counted every pass, the first (provisional) one included');
    assert.deepEqual(
      guard.snapshot().flow.map((f) => f.mode),
      ['cluster'],
    );
  });

  it('limits each key globally and tells keys apart', async (t) => {
    const redis = await startRedis(t);
    const { guard } = await clusterGuard(t, redis.url, {
      hotspot: [{ id: 'per-user', resource: 'api', threshold: 5, durationMs: 60_000, clusterMode: true }],
    });
    assert.equal(await attempt(guard, 'api', 20, 'alice'), 5);
    assert.equal(await attempt(guard, 'api', 20, 'bob'), 5);
    assert.equal(await attempt(guard, 'api', 3), 3, 'a request without a key is not subject to a per-key rule');
  });

  it('falls back to its share when Redis is killed, never failing open, and resumes cluster mode when it is back', async (t) => {
    const redis = await startRedis(t);
    const { guard, modes } = await clusterGuard(t, redis.url, {
      flow: [{ id: 'g', resource: 'api', threshold: 40, statIntervalMs: 60_000, statBuckets: 1, clusterMode: true }],
    });
    const before = await attempt(guard, 'api', 10);
    assert.ok(before >= 8, `${before} of 10 passed with Redis up (the first lease may take a round trip)`);
    await redis.kill();
    // Permits already leased are still spent; then the lease requests fail: fallback.
    const during = await attempt(guard, 'api', 5);
    await waitFor('fallback mode', () => modes.some((m) => m.mode === 'fallback'), { timeoutMs: 5000 });
    assert.equal(guard.snapshot().flow[0]!.mode, 'fallback');
    // Alone in the replica set, its share is the whole threshold, counted on its own window: the
    // passes made in cluster mode count against the 40, so the window never admits more.
    assert.equal(before + during + (await attempt(guard, 'api', 100)), 40);
    await redis.restart();
    await waitFor('cluster mode again', () => modes.at(-1)?.mode === 'cluster', { timeoutMs: 10_000 });
    assert.deepEqual(
      modes.map((m) => [m.ruleId, m.mode]),
      [
        ['g', 'fallback'],
        ['g', 'cluster'],
      ],
    );
    // The restarted Redis holds no count, but the passes of this window were reported with the
    // first request after the fallback: the window stays spent.
    assert.equal(await attempt(guard, 'api', 20), 0);
  });

  it('treats a Redis that answers slower than timeoutMs as down (bounded by the fallback share), and comes back by itself', async (t) => {
    const redis = await startRedis(t, { args: ['--enable-debug-command', 'local'] });
    const { guard, modes } = await clusterGuard(t, redis.url, { flow: [{ id: 'g', resource: 'api', threshold: 1000, clusterMode: true }] });
    await attempt(guard, 'api', 5);
    const admin = new Redis(redis.url);
    cleanup(t, () => admin.disconnect());
    const sleep = admin.call('DEBUG', 'SLEEP', '0.6');
    await waitFor('fallback mode', () => modes.some((m) => m.mode === 'fallback'), { timeoutMs: 5000 });
    assert.match(modes[0]!.reason, /within 100 ms/);
    await sleep;
    await waitFor('cluster mode again', () => modes.at(-1)?.mode === 'cluster', { timeoutMs: 10_000 });
  });

  it('refuses a cluster rule when the guard has no cluster store, naming the rule, the field and the fix', () => {
    const guard = createGuard({ autoSample: false });
    assert.throws(
      () => guard.loadRules({ flow: [{ id: 'g', resource: 'api', threshold: 10, clusterMode: true }] }),
      (err: unknown) =>
        err instanceof RulesError &&
        err.issues.length === 1 &&
        /flow\[0\]\.clusterMode: rule 'g' is global across replicas but this guard has no cluster store: pass createGuard\(\{ cluster/.test(
          err.message,
        ),
    );
    assert.equal(guard.rules, null, 'nothing was loaded');
  });

  it('refuses cluster rules that cannot be shared (concurrency, throttling, warm-up, burst) with the reason', () => {
    const guard = createGuard({ autoSample: false });
    const err = (() => {
      try {
        guard.loadRules({
          flow: [
            { id: 'a', resource: 'r', threshold: 5, metric: 'concurrency', clusterMode: true },
            { id: 'b', resource: 'r', threshold: 5, behavior: 'throttling', clusterMode: true },
          ],
          hotspot: [{ id: 'c', resource: 'r', threshold: 5, burst: 2, clusterMode: true }],
        });
      } catch (e) {
        return e as RulesError;
      }
      throw new Error('accepted');
    })();
    const paths = err.issues.map((i) => i.path.join('.'));
    assert.ok(paths.includes('flow.0.metric') && paths.includes('flow.1.behavior') && paths.includes('hotspot.0.burst'), paths.join(' '));
  });

  it('warns when a threshold is below the live replica count, stating what an outage then allows', async (t) => {
    const redis = await startRedis(t);
    const client = new Redis(redis.url);
    cleanup(t, () => client.disconnect());
    // Four other replicas beating in the same set.
    for (let i = 0; i < 4; i++) await client.zadd('{holdfast-guard}:replicas', Date.now() + 60_000, `other-${i}`);
    const logs: string[] = [];
    const { guard } = await clusterGuard(t, redis.url, { flow: [{ id: 'tiny', resource: 'api', threshold: 3, clusterMode: true }] }, logs);
    assert.ok(
      logs.some((l) => /threshold 3 is below the 5 live replicas/.test(l)),
      logs.join('\n'),
    );
    assert.ok(guard.snapshot().flow[0]!.threshold === 3);
  });
});
