// The collector's view of cluster and adaptive rules, on a real Redis: what `holdfast status` and
// the dashboard read to show each rule's mode, its fallback share and the live replica count it
// divides by, and an adaptive rule's learned limit with its bounds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { cleanup, startRedis, waitFor } from '@holdfast/testkit';
import { createGuard } from '@holdfast/guard';
import { redisClusterStore } from '@holdfast/guard/cluster-redis';
import { registerGuardMetrics } from '@holdfast/guard/prometheus';

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('prometheus collector: cluster and adaptive rules', () => {
  it('exposes rule thresholds, adaptive bounds and the live replica count, and the fallback mode when Redis dies', async (t) => {
    const server = await startRedis(t);
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on('error', () => {});
    const store = redisClusterStore({ redis, heartbeatMs: 100, timeoutMs: 100 });
    cleanup(t, async () => {
      await store.close();
      redis.disconnect();
    });
    await store.ready();
    const guard = createGuard({
      autoSample: false,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      cluster: { store },
      rules: {
        flow: [
          { id: 'global', resource: 'api', threshold: 600, clusterMode: true },
          { id: 'db', resource: 'db', metric: 'concurrency', strategy: 'adaptive', threshold: 20, minLimit: 4, maxLimit: 80 },
        ],
        hotspot: [{ id: 'per-user', resource: 'api', threshold: 30, clusterMode: true }],
      },
    });
    cleanup(t, () => guard.close());
    const registry = new Registry();
    registerGuardMetrics(guard, registry);
    let text = await registry.metrics();
    const expect = {
      'holdfast_guard_rule_mode{resource="api",rule="global",mode="cluster"}': 1,
      'holdfast_guard_rule_mode{resource="api",rule="per-user",mode="cluster"}': 1,
      'holdfast_guard_rule_mode{resource="db",rule="db",mode="local"}': 1,
      'holdfast_guard_rule_threshold{resource="api",rule="global",kind="flow"}': 600,
      'holdfast_guard_rule_threshold{resource="api",rule="per-user",kind="hotspot"}': 30,
      'holdfast_guard_rule_threshold{resource="db",rule="db",kind="flow"}': 20,
      'holdfast_guard_flow_threshold{resource="api",rule="global",strategy="direct"}': 600,
      'holdfast_guard_flow_threshold{resource="db",rule="db",strategy="adaptive"}': 20,
      'holdfast_guard_flow_limit_bounds{resource="db",rule="db",bound="min"}': 4,
      'holdfast_guard_flow_limit_bounds{resource="db",rule="db",bound="max"}': 80,
      holdfast_guard_cluster_live_replicas: 1,
    };
    for (const [series, v] of Object.entries(expect)) assert.equal(value(text, series), v, `${series} in\n${text}`);
    assert.equal(
      value(text, 'holdfast_guard_flow_limit_bounds{resource="api",rule="global",bound="min"}'),
      undefined,
      'bounds are for adaptive rules',
    );

    // A second replica's heartbeat: the live count the fallback share divides by.
    const redis2 = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis2.on('error', () => {});
    const store2 = redisClusterStore({ redis: redis2, heartbeatMs: 100, timeoutMs: 100 });
    cleanup(t, async () => {
      await store2.close();
      redis2.disconnect();
    });
    await store2.ready();
    await waitFor('two live replicas', async () => value(await registry.metrics(), 'holdfast_guard_cluster_live_replicas') === 2, {
      timeoutMs: 5000,
    });

    await server.kill();
    await waitFor('fallback mode', async () => (await registry.metrics()).includes('rule="global",mode="fallback"} 1'), {
      timeoutMs: 5000,
    });
    text = await registry.metrics();
    assert.equal(value(text, 'holdfast_guard_rule_mode{resource="api",rule="per-user",mode="fallback"}'), 1);
    assert.equal(value(text, 'holdfast_guard_rule_mode{resource="api",rule="global",mode="cluster"}'), 0);
    assert.equal(value(text, 'holdfast_guard_rule_threshold{resource="api",rule="global",kind="flow"}'), 600, 'the global threshold stays');
    assert.equal(value(text, 'holdfast_guard_cluster_live_replicas'), 2, 'the last count known');
    assert.equal(
      value(text, 'holdfast_guard_flow_threshold{resource="api",rule="global",strategy="direct"}'),
      300,
      'no traffic measured: an even share, 600 ÷ 2',
    );
  });
});
