import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shutdownBudget } from '../src/shutdown/budget.ts';

test('the phases never add up to more than the grace period', () => {
  for (const grace of [2000, 10_000, 30_000, 120_000]) {
    for (const delay of [0, 500, 5000]) {
      if (delay >= grace - 1000) continue;
      for (const hooks of [[], [5000], [5000, 5000, 5000, 5000]]) {
        const b = shutdownBudget(grace, delay, hooks);
        assert.ok(b.delayMs + b.drainMs + b.hooksMs + b.marginMs <= grace + 1e-9, JSON.stringify({ grace, delay, hooks, b }));
        assert.ok(b.drainMs > 0);
      }
    }
  }
});

test('30 s default: 5 s delay, hooks get their timeouts, the rest drains', () => {
  assert.deepEqual(shutdownBudget(30_000, 5000, [5000]), { delayMs: 5000, drainMs: 19_000, hooksMs: 5000, marginMs: 1000 });
});

test('hooks never take more than a third of what is left after the delay', () => {
  const b = shutdownBudget(10_000, 0, [60_000]);
  // 10 s grace keeps 5% (500 ms) back for the exit; hooks get a third of the remaining 9.5 s.
  assert.equal(b.marginMs, 500);
  assert.equal(b.hooksMs, 3166);
  assert.equal(b.drainMs, 9500 - 3166);
});
