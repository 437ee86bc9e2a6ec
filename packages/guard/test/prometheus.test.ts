import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { type Entry, ManualClock, createGuard } from '../src/index.ts';
import { registerGuardMetrics } from '../src/prometheus-entry.ts';

describe('prometheus collector', () => {
  it('exposes holdfast_guard_* series labelled by resource, reason, breaker state and signal', async () => {
    const clock = new ManualClock(0);
    const g = createGuard({
      clock,
      autoSample: false,
      rules: {
        flow: [{ id: 'q', resource: 'GET /items/:id', threshold: 1 }],
        breakers: [{ id: 'b', resource: 'inventory', strategy: 'consecutiveFailures', threshold: 1 }],
        system: { eventLoopUtilization: 0.9 },
      },
    });
    const registry = new Registry();
    const m = registerGuardMetrics(g, registry, { labels: { service: 'shop' } });
    g.loadRules(g.rules as never); // counted from registration on
    assert.throws(() => g.loadRules({ flow: [{ id: '', resource: 'x', threshold: 1 }] }));
    (g.entry('GET /items/:id') as Entry).exit({ rt: 3 });
    g.entry('GET /items/:id');
    (g.entry('inventory') as Entry).exit({ error: true });
    g.updateSignals({ eventLoopUtilization: 0.5 });
    const text = await registry.metrics();
    for (const line of [
      'holdfast_guard_pass_total{resource="GET /items/:id",service="shop"} 1',
      'holdfast_guard_block_total{resource="GET /items/:id",reason="flow",service="shop"} 1',
      'holdfast_guard_block_total{resource="GET /items/:id",reason="breaker",service="shop"} 0',
      'holdfast_guard_error_total{resource="inventory",service="shop"} 1',
      'holdfast_guard_rt_seconds_bucket{resource="GET /items/:id",le="0.005",service="shop"} 1',
      'holdfast_guard_rt_seconds_bucket{resource="GET /items/:id",le="0.0025",service="shop"} 0',
      'holdfast_guard_rt_seconds_bucket{resource="GET /items/:id",le="+Inf",service="shop"} 1',
      'holdfast_guard_rt_seconds_count{resource="GET /items/:id",service="shop"} 1',
      'holdfast_guard_breaker_state{resource="inventory",rule="b",state="open",service="shop"} 1',
      'holdfast_guard_breaker_state{resource="inventory",rule="b",state="closed",service="shop"} 0',
      'holdfast_guard_breaker_transitions_total{resource="inventory",rule="b",from="closed",to="open",service="shop"} 1',
      'holdfast_guard_signal{signal="eventLoopUtilization",service="shop"} 0.5',
      'holdfast_guard_system_shedding_level{service="shop"} 0',
      'holdfast_guard_rule_swaps_total{service="shop"} 1',
      'holdfast_guard_rule_rejects_total{service="shop"} 1',
      'holdfast_guard_rules{kind="flow",service="shop"} 1',
      '# TYPE holdfast_guard_rt_seconds histogram',
      '# TYPE holdfast_guard_block_total counter',
    ]) {
      assert.ok(text.includes(line), `missing: ${line}\n${text}`);
    }
    m.unregister();
    assert.equal((await registry.metrics()).trim(), '');
  });
});
