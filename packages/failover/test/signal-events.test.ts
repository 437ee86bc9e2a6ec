// Which failover events become which incident signals: kind, severity, the labels the
// supervisor groups by (one incident per cluster, resource and kind), the id a retry keeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drillFailedSignal, EventSignals } from '../src/signals/events.ts';
import type { DrillResult } from '../src/drill/drill.ts';

const events = () => new EventSignals({ cluster: 'db', node: 'b', now: () => 1_700_000_000_000 });

test('a promotion: info for a first election or a handover, warning when the old leader lost its lease', () => {
  const e = events();
  assert.equal(e.signalFor({ type: 'elected', token: 7, ttlMs: 2000, previous: { node: 'a', token: 6, expired: true } }), undefined);
  const s = e.signalFor({ type: 'promoted', token: 7, tookMs: 12 })!;
  assert.deepEqual(
    { kind: s.kind, severity: s.severity, labels: s.labels, instance: s.instance, id: s.id, at: s.at, summary: s.summary },
    {
      kind: 'failover.promotion',
      severity: 'warning',
      labels: { cluster: 'db', resource: 'leader' },
      instance: 'b',
      id: 'db/b/promotion/7',
      at: 1_700_000_000_000,
      summary: "b leads cluster 'db' (token 7): a's lease (token 6) expired",
    },
  );
  assert.deepEqual(s.details, { node: 'b', token: 7, tookMs: 12, previous: { node: 'a', token: 6, expired: true } });

  e.signalFor({ type: 'elected', token: 9, ttlMs: 2000, previous: { node: 'a', token: 8, expired: false } });
  assert.equal(e.signalFor({ type: 'promoted', token: 9, tookMs: 3 })!.severity, 'info', 'a handover');
  e.signalFor({ type: 'elected', token: 1, ttlMs: 2000, previous: null });
  assert.match(e.signalFor({ type: 'promoted', token: 1, tookMs: 3 })!.summary, /the first leader$/);
  // The node's own term it never used expired: nothing failed over.
  e.signalFor({ type: 'elected', token: 11, ttlMs: 2000, previous: { node: 'b', token: 10, expired: true, campaign: 'c1' } });
  e.signalFor({ type: 'fence-skipped', previous: { node: 'b', token: 10, expired: true, campaign: 'c1' }, why: 'own unused term' });
  assert.equal(e.signalFor({ type: 'promoted', token: 11, tookMs: 3 })!.severity, 'info');
});

test('a fence that fired is critical; other events raise nothing', () => {
  const e = events();
  const s = e.signalFor({ type: 'fence-fired', token: 4, reason: 'deadline' })!;
  assert.equal(s.kind, 'failover.fence');
  assert.equal(s.severity, 'critical');
  assert.deepEqual(s.labels, { cluster: 'db', resource: 'fence' });
  assert.equal(s.id, 'db/b/fence/4');
  for (const other of [
    { type: 'campaign' },
    { type: 'demoted', token: 4, reason: 'shutdown', tookMs: 1, beforeDeadline: true },
    { type: 'agent-started', node: 'b', cluster: 'db', coordinator: 'local', ttlMs: 2000 },
  ] as const)
    assert.equal(e.signalFor(other), undefined);
});

test('a failed drill: critical when safety failed, warning when it was slow or could not finish', () => {
  const result: DrillResult = {
    agent: 'holdfast',
    fault: 'kill',
    profile: 'fast',
    ttl_s: 2,
    recovery_s: 9,
    failed_polls: 100,
    overlaps: 0,
    leadership_overlaps: 0,
    overlap_ms: 0,
    tokens: [1, 2],
    tokens_increase: true,
    old_leader: 'n1',
    new_leader: 'n2',
    heal_ok: true,
    polls: 400,
    samples: 200,
  };
  const slow = drillFailedSignal({ fault: 'kill', profile: 'fast', id: 'r1', at: 5, result });
  assert.equal(slow.kind, 'failover.drill_failed');
  assert.equal(slow.severity, 'warning');
  assert.deepEqual(slow.labels, { cluster: 'drill', resource: 'drill:kill' });
  assert.equal(slow.id, 'drill/r1');
  assert.equal(slow.summary, 'failover drill kill/fast failed: recovery 9 s exceeds TTL + 3 s (5 s)');
  const unsafe = drillFailedSignal({ fault: 'kill', profile: 'fast', id: 'r2', at: 5, result: { ...result, overlaps: 3 } });
  assert.equal(unsafe.severity, 'critical');
  const broken = drillFailedSignal({
    fault: 'isolate',
    profile: 'fast',
    id: 'r3',
    at: 5,
    error: Object.assign(new Error('the agent of n1 exited 3 times before it started'), { logs: '/tmp/d' }),
  });
  assert.equal(broken.severity, 'warning');
  assert.equal(broken.summary, 'failover drill isolate/fast: the agent of n1 exited 3 times before it started');
  assert.deepEqual(broken.details, {
    fault: 'isolate',
    profile: 'fast',
    error: 'the agent of n1 exited 3 times before it started',
    logs: '/tmp/d',
  });
});
