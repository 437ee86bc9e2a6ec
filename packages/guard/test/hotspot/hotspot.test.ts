import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BlockError, type Entry, ManualClock, createGuard } from '../../src/index.ts';
import { KeyTable } from '../../src/hotspot/key-table.ts';

function guard(rule: Record<string, unknown>) {
  const clock = new ManualClock(0);
  const g = createGuard({ clock, autoSample: false, rules: { hotspot: [{ id: 'h', resource: 'r', threshold: 3, ...rule } as never] } });
  return { g, clock };
}

function passes(g: ReturnType<typeof createGuard>, key: unknown, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const e = g.entry('r', { key });
    if (!e.blocked) {
      ok++;
      e.exit();
    }
  }
  return ok;
}

describe('KeyTable (LRU)', () => {
  it('evicts the least recently used key when full, and touching a key protects it', () => {
    const t = new KeyTable(3);
    for (const k of ['a', 'b', 'c']) t.touch(k);
    t.touch('a');
    t.touch('d'); // evicts b
    assert.deepEqual(t.keysByRecency(), ['d', 'a', 'c']);
    assert.equal(t.peek('b'), -1);
    assert.equal(t.size, 3);
    t.touch('e'); // evicts c
    assert.deepEqual(t.keysByRecency(), ['e', 'd', 'a']);
  });

  it('keeps memory bounded under a flood of distinct keys', () => {
    const t = new KeyTable(1000);
    for (let i = 0; i < 200_000; i++) t.touch(`k${i}`);
    assert.equal(t.size, 1000);
    assert.equal(t.keysByRecency().length, 1000);
    assert.equal(t.keysByRecency()[0], 'k199999');
    assert.equal(t.peek('k0'), -1);
  });
});

describe('hotspot rules', () => {
  it('limits each key separately, with per-key overrides', () => {
    const { g } = guard({ overrides: { vip: 10, banned: 0 } });
    assert.equal(passes(g, 'alice', 5), 3);
    assert.equal(passes(g, 'bob', 5), 3, 'bob has his own bucket');
    assert.equal(passes(g, 'vip', 20), 10);
    assert.equal(passes(g, 'banned', 5), 0);
    const e = g.entry('r', { key: 'alice' });
    assert.ok(e instanceof BlockError);
    assert.equal(e.reason, 'hotkey');
    assert.equal(e.key, 'alice');
    assert.equal(e.quota, 3);
    assert.equal(e.code, 'HOLDFAST_E_BLOCKED_HOTKEY');
  });

  it('refills tokens at threshold per durationMs, with burst on top for a quiet key', () => {
    const { g, clock } = guard({ threshold: 10, burst: 5 });
    assert.equal(passes(g, 'k', 100), 15);
    clock.advance(100);
    assert.equal(passes(g, 'k', 100), 1);
    clock.advance(1000);
    assert.equal(passes(g, 'k', 100), 10, 'one second refills the threshold');
    clock.advance(5000);
    assert.equal(passes(g, 'k', 100), 15, 'a quiet key refills up to threshold + burst, no more');
  });

  it('calls without a key are not subject to per-key rules', () => {
    const { g } = guard({ threshold: 0 });
    assert.equal(g.entry('r').blocked, false);
  });

  it('concurrency metric counts calls in flight per key', () => {
    const { g } = guard({ metric: 'concurrency', threshold: 2 });
    const a = g.entry('r', { key: 7 }) as Entry;
    const b = g.entry('r', { key: 7 }) as Entry;
    assert.equal(g.entry('r', { key: 7 }).blocked, true);
    assert.equal(g.entry('r', { key: 8 }).blocked, false);
    a.exit();
    assert.equal(g.entry('r', { key: 7 }).blocked, false);
    b.exit();
  });

  it('keeps per-key memory bounded: a million distinct keys hold at most maxKeys slots and no more heap than 100,000 do', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { g } = guard({ maxKeys: 5000, threshold: 1 });
    const flood = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const e = g.entry('r', { key: `user-${i}` });
        if (!e.blocked) e.exit();
      }
    };
    flood(0, 100_000);
    gc();
    const after100k = process.memoryUsage().heapUsed;
    flood(100_000, 1_000_000);
    gc();
    const after1m = process.memoryUsage().heapUsed;
    assert.deepEqual(g.snapshot().hotspot, [{ resource: 'r', ruleId: 'h', threshold: 1, keys: 5000, maxKeys: 5000, mode: 'local' }]);
    const grown = after1m - after100k;
    assert.ok(grown < 2 * 1024 * 1024, `heap grew ${Math.round(grown / 1024)} KiB between 1e5 and 1e6 distinct keys`);
  });
});

describe('isolation (bulkhead)', () => {
  it('rejects the call that would exceed maxConcurrency, with reason concurrency', () => {
    const g = createGuard({ autoSample: false, rules: { isolation: [{ id: 'i', resource: 'r', maxConcurrency: 1 }] } });
    const a = g.entry('r') as Entry;
    const b = g.entry('r');
    assert.ok(b instanceof BlockError);
    assert.equal(b.reason, 'concurrency');
    assert.equal(b.code, 'HOLDFAST_E_BLOCKED_CONCURRENCY');
    assert.equal(b.quota, 1);
    a.exit();
    assert.equal(g.entry('r').blocked, false);
  });
});
