// Leadership windows from agent events: where a window ends decides whether the drill reports
// two nodes acting as leader at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leadershipWindows, overlapMs, overlappingWindows, tokensIncrease, type TimedEvent } from '../src/drill/windows.ts';
import { drillPassed, summarizeDrills } from '../src/drill/summary.ts';
import type { DrillResult } from '../src/drill/drill.ts';

const ev = (node: string, at: number, type: string, extra: Partial<TimedEvent> = {}): TimedEvent => ({ node, at, type, ...extra });

test('windows: a paused leader’s window ends at the deadline it reports on waking, not when it wakes', () => {
  const events = [
    ev('n1', 0, 'elected', { token: 2 }),
    ev('n2', 2600, 'elected', { token: 4 }),
    // n1 wakes at 4000, learns it was fenced, reports a deadline 2200 ms in the past.
    ev('n1', 3990, 'fence-fired', { token: 2 }),
    ev('n1', 4000, 'demoting', { token: 2, deadlineInMs: -2200 }),
    ev('n1', 4020, 'demoted', { token: 2 }),
  ];
  const w = leadershipWindows(events);
  assert.deepEqual(
    w.map((x) => [x.node, x.token, x.start, x.end]),
    [
      ['n1', 2, 0, 1800],
      ['n2', 4, 2600, Infinity],
    ],
  );
  assert.deepEqual(overlappingWindows(w), []);
  assert.equal(tokensIncrease(w), true);
});

test('windows: a leader still acting when another is elected is an overlap; a killed one stops at its death', () => {
  const events = [ev('n1', 0, 'elected', { token: 2 }), ev('n2', 1000, 'elected', { token: 4 }), ev('n1', 1500, 'demoted', { token: 2 })];
  assert.equal(overlappingWindows(leadershipWindows(events)).length, 1);
  assert.equal(overlappingWindows(leadershipWindows(events, new Map([['n1', 900]]))).length, 0);
  const back = leadershipWindows([ev('n1', 0, 'elected', { token: 5 }), ev('n1', 10, 'demoted'), ev('n2', 20, 'elected', { token: 3 })]);
  assert.equal(tokensIncrease(back), false, 'a lower token after a higher one is caught');
});

test('drill verdict and summary', () => {
  const base: DrillResult = {
    agent: 'holdfast',
    fault: 'kill',
    profile: 'fast',
    ttl_s: 2,
    recovery_s: 1.2,
    failed_polls: 20,
    overlaps: 0,
    leadership_overlaps: 0,
    overlap_ms: 0,
    tokens: [2, 4],
    tokens_increase: true,
    old_leader: 'n1',
    new_leader: 'n2',
    heal_ok: true,
    polls: 300,
    samples: 300,
  };
  assert.deepEqual(drillPassed(base), { ok: true, why: [] });
  assert.match(drillPassed({ ...base, recovery_s: 5.5 }).why.join(), /exceeds TTL \+ 3 s/);
  assert.match(drillPassed({ ...base, overlaps: 2 }).why.join(), /two VIP holders/);
  assert.match(drillPassed({ ...base, recovery_s: null }).why.join(), /never answered/);
  const s = summarizeDrills([base, { ...base, recovery_s: 2, failed_polls: 10 }, { ...base, recovery_s: 1.5 }]);
  assert.deepEqual([s.runs, s.passed, s.recovery_s, s.recovery_max_s, s.failed_polls], [3, 3, 1.5, 2, 50]);
});

test('windows: the overlap is measured in ms; a revoke drill passes within its bound and fails beyond it, or with two VIP holders', () => {
  const events = [ev('n1', 0, 'elected', { token: 2 }), ev('n2', 1000, 'elected', { token: 4 }), ev('n1', 1120, 'demoted', { token: 2 })];
  assert.equal(overlapMs(leadershipWindows(events)), 120);
  const revoke: DrillResult = {
    agent: 'holdfast',
    fault: 'revoke',
    profile: 'fast',
    ttl_s: 2,
    recovery_s: 0.4,
    failed_polls: 3,
    overlaps: 0,
    leadership_overlaps: 1,
    overlap_ms: 120,
    overlap_bound_ms: 1400,
    tokens: [2, 4],
    tokens_increase: true,
    old_leader: 'n1',
    new_leader: 'n2',
    heal_ok: true,
    polls: 300,
    samples: 300,
  };
  assert.deepEqual(drillPassed(revoke), { ok: true, why: [] });
  assert.match(drillPassed({ ...revoke, overlap_ms: 1500 }).why.join(), /overlapped 1500 ms, more than the 1400 ms bound/);
  assert.match(drillPassed({ ...revoke, overlaps: 1 }).why.join(), /two VIP holders/);
  const { overlap_bound_ms: _bound, ...asKill } = revoke;
  assert.match(drillPassed({ ...asKill, fault: 'kill' }).why.join(), /overlapping leadership/);
});
