// The order of a rolling reload for every maxSurge / maxUnavailable combination, without a process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRollout } from '../src/index.ts';

test('the default (maxSurge 1, maxUnavailable 0): one slot per step, no old instance stops before its replacement', () => {
  assert.deepEqual(planRollout(3, 1, 0), [
    { slots: [0], stopFirst: [] },
    { slots: [1], stopFirst: [] },
    { slots: [2], stopFirst: [] },
  ]);
});

test('maxSurge 2 replaces two slots per step; a surge above the count is capped', () => {
  assert.deepEqual(planRollout(3, 2, 0), [
    { slots: [0, 1], stopFirst: [] },
    { slots: [2], stopFirst: [] },
  ]);
  assert.deepEqual(planRollout(2, 5, 0), [{ slots: [0, 1], stopFirst: [] }]);
});

test('maxUnavailable lets old instances go first, in addition to the surge', () => {
  assert.deepEqual(planRollout(4, 1, 1), [
    { slots: [0, 1], stopFirst: [0] },
    { slots: [2, 3], stopFirst: [2] },
  ]);
  assert.deepEqual(planRollout(2, 0, 1), [
    { slots: [0], stopFirst: [0] },
    { slots: [1], stopFirst: [1] },
  ]);
});

test('every slot is replaced exactly once, and READY never drops below instances - maxUnavailable', () => {
  for (let n = 1; n <= 6; n++) {
    for (let surge = 0; surge <= 3; surge++) {
      for (let unavailable = 0; unavailable <= 3; unavailable++) {
        if (surge + unavailable === 0) continue;
        const steps = planRollout(n, surge, unavailable);
        assert.deepEqual(
          steps.flatMap((s) => s.slots),
          Array.from({ length: n }, (_, i) => i),
          `n=${n} surge=${surge} unavailable=${unavailable}`,
        );
        for (const s of steps) {
          assert.ok(s.stopFirst.length <= unavailable, 'at most maxUnavailable old instances stop before their replacement is READY');
          assert.ok(s.slots.length - s.stopFirst.length <= Math.max(1, surge), 'at most maxSurge extra instances');
        }
      }
    }
  }
  assert.deepEqual(planRollout(0, 1, 0), []);
});
