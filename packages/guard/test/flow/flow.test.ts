import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockError, type Entry, type FlowRule, ManualClock, createGuard } from '../../src/index.ts';
import { WarmUpCalculator } from '../../src/flow/warm-up.ts';
import { Throttler } from '../../src/flow/throttling.ts';
import { BLOCKED } from '../../src/verdict.ts';

function guardWith(flow: Partial<FlowRule>[], clock = new ManualClock(1_000_000)) {
  const g = createGuard({
    clock,
    autoSample: false,
    rules: { flow: flow.map((f, i) => ({ id: `f${i}`, resource: 'r', threshold: 10, ...f })) },
  });
  return { g, clock };
}

/** Admits up to `n` calls at the current time and returns how many passed (each exits at once). */
function burst(g: ReturnType<typeof createGuard>, n: number, resource = 'r'): number {
  let passed = 0;
  for (let i = 0; i < n; i++) {
    const e = g.entry(resource);
    if (!e.blocked) {
      passed++;
      e.exit();
    }
  }
  return passed;
}

describe('flow: direct + reject', () => {
  it('passes `threshold` per second and blocks the rest with a BlockError naming the rule', () => {
    const { g, clock } = guardWith([{ threshold: 5 }]);
    assert.equal(burst(g, 8), 5);
    const e = g.entry('r');
    assert.ok(e instanceof BlockError);
    assert.equal(e.reason, 'flow');
    assert.equal(e.code, 'HOLDFAST_E_BLOCKED_FLOW');
    assert.equal(e.rule.id, 'f0');
    assert.equal(e.quota, 5);
    assert.equal(e.windowMs, 1000);
    assert.match(e.message, /r: blocked by a flow rule.*rule 'f0'/);
    clock.advance(1000);
    assert.equal(burst(g, 8), 5, 'a new second, a new quota');
  });

  it('slides: passes free up bucket by bucket, never more than the threshold in any window', () => {
    const { g, clock } = guardWith([{ threshold: 100 }]);
    const passedAt: number[] = [];
    // 1,000 req/s offered for 5 s, one every ms.
    for (let t = 0; t < 5000; t++) {
      const e = g.entry('r');
      if (!e.blocked) {
        passedAt.push(clock.now());
        e.exit();
      }
      clock.advance(1);
    }
    assert.ok(Math.abs(passedAt.length - 500) <= 10, `about 100/s over 5 s, got ${passedAt.length}`);
    // Any bucket-aligned 1 s window holds at most 100 passes.
    for (let start = 1_000_000; start < 1_004_000; start += 100) {
      const n = passedAt.filter((t) => t >= start && t < start + 1000).length;
      assert.ok(n <= 100, `window at ${start} holds ${n}`);
    }
  });

  it('counts a batch as that many passes', () => {
    const { g } = guardWith([{ threshold: 10 }]);
    const e = g.entry('r', { batch: 7 }) as Entry;
    assert.equal(e.blocked, false);
    e.exit();
    assert.equal(g.entry('r', { batch: 4 }).blocked, true);
    assert.equal(g.entry('r', { batch: 3 }).blocked, false);
  });

  it('a custom statIntervalMs keeps its own window: 5 per 200 ms', () => {
    const { g, clock } = guardWith([{ threshold: 5, statIntervalMs: 200, statBuckets: 2 }]);
    assert.equal(burst(g, 10), 5);
    clock.advance(200);
    assert.equal(burst(g, 10), 5);
  });

  it('concurrency metric limits calls in flight, not rate', () => {
    const { g } = guardWith([{ metric: 'concurrency', threshold: 2 }]);
    const a = g.entry('r') as Entry;
    const b = g.entry('r') as Entry;
    assert.equal(g.entry('r').blocked, true);
    a.exit();
    const c = g.entry('r');
    assert.equal(c.blocked, false);
    b.exit();
    (c as Entry).exit();
  });
});

describe('flow: relation', () => {
  it('an associated rule limits writes while reads are hot, and leaves writes alone when they are not', () => {
    const clock = new ManualClock(0);
    const g = createGuard({
      clock,
      autoSample: false,
      rules: { flow: [{ id: 'w', resource: 'write', relation: 'associated', refResource: 'read', threshold: 20 }] },
    });
    assert.equal(burst(g, 5, 'write'), 5, 'reads are quiet');
    assert.equal(burst(g, 25, 'read'), 25, 'reads themselves are not limited');
    assert.equal(burst(g, 5, 'write'), 0, 'reads at 25/s > 20: writes are blocked');
    clock.advance(1000);
    assert.equal(burst(g, 5, 'write'), 5);
  });
});

describe('flow: warm-up', () => {
  it('follows the smooth-warming-up curve: hand-computed token shape and rates', () => {
    // threshold 100 qps, 10 s warm-up, cold factor 3:
    // warningToken = 10*100/(3-1) = 500; maxToken = 500 + 2*10*100/(1+3) = 1000;
    // slope = (3-1)/100/(1000-500) = 4e-5; rate(tokens) = 1/((tokens-500)*slope + 1/100).
    const w = new WarmUpCalculator({ qps: 100, warmUpPeriodSec: 10, coldFactor: 3 }, 1000, () => 0);
    assert.equal(w.warningToken, 500);
    assert.equal(w.maxToken, 1000);
    assert.ok(Math.abs(w.slope - 4e-5) < 1e-15);
    const cases: [number, number][] = [
      [1000, 100 / 3], // fully cold: threshold / coldFactor
      [750, 50], // 1/(250*4e-5 + 0.01) = 1/0.02
      [600, 1 / (100 * 4e-5 + 0.01)], // 71.43
      [500, 100], // at the warning line: the full threshold
      [0, 100],
    ];
    for (const [tokens, qps] of cases) {
      w.storedTokens = tokens;
      assert.ok(Math.abs(w.allowedQps() - qps) < 1e-9, `tokens ${tokens}: expected ${qps}, got ${w.allowedQps()}`);
    }
  });

  it('starts cold, drains by the passes of each second, and reaches the full threshold after about warmUpPeriodSec', () => {
    let passQps = 0;
    const w = new WarmUpCalculator({ qps: 100, warmUpPeriodSec: 10, coldFactor: 3 }, 1000, () => passQps);
    const allowed: number[] = [];
    for (let sec = 0; sec < 14; sec++) {
      const a = w.threshold(sec * 1000);
      allowed.push(Math.round(a * 100) / 100);
      passQps = Math.floor(a); // traffic runs at whatever is allowed
    }
    assert.equal(allowed[0], 33.33, 'cold start: a third of the threshold');
    for (let i = 1; i < allowed.length; i++) assert.ok(allowed[i]! >= allowed[i - 1]!, `monotonic warm-up: ${allowed.join(', ')}`);
    const full = allowed.findIndex((a) => a === 100);
    assert.ok(full >= 7 && full <= 12, `full threshold after ~10 s, got second ${full}: ${allowed.join(', ')}`);
  });

  it('cools down again when traffic stays light', () => {
    let passQps = 100;
    const w = new WarmUpCalculator({ qps: 100, warmUpPeriodSec: 10, coldFactor: 3 }, 1000, () => passQps);
    for (let sec = 0; sec < 20; sec++) w.threshold(sec * 1000);
    assert.equal(w.allowedQps(), 100);
    passQps = 0;
    for (let sec = 20; sec < 40; sec++) w.threshold(sec * 1000);
    assert.ok(Math.abs(w.allowedQps() - 100 / 3) < 1e-9, 'back to cold after a quiet spell');
  });

  it('as a rule: the first second admits about threshold/coldFactor', () => {
    const { g } = guardWith([{ strategy: 'warmUp', threshold: 90, warmUpPeriodSec: 10 }]);
    assert.equal(burst(g, 200), 30);
  });
});

describe('flow: memory-adaptive', () => {
  it('scales the threshold linearly between the heap-use watermarks', () => {
    const { g, clock } = guardWith([
      { strategy: 'memoryAdaptive', threshold: 100, highMemThreshold: 20, memLowWatermark: 0.5, memHighWatermark: 0.9 },
    ]);
    const at = (heap: number) => {
      g.signals.heapUsedRatio = heap;
      clock.advance(1000);
      return burst(g, 200);
    };
    assert.equal(at(0.3), 100);
    assert.equal(at(0.7), 60);
    assert.equal(at(0.95), 20);
    g.signals.heapUsedRatio = NaN;
    clock.advance(1000);
    assert.equal(burst(g, 200), 100, 'unknown heap use: no memory pressure assumed');
  });
});

describe('flow: throttling', () => {
  it('paces calls interval ms apart and rejects those that would wait longer than maxQueueingTimeMs', () => {
    const t = new Throttler(1000, 450);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const v = t.check(0, 1, 10);
      if (v !== BLOCKED) t.commit();
      waits.push(v);
    }
    assert.deepEqual(waits, [0, 100, 200, 300, 400, BLOCKED, BLOCKED]);
    assert.equal(t.check(100, 1, 10), 400, 'a slot frees as time moves on');
  });

  it('a blocked request does not reserve a slot (two-phase: check, then commit)', () => {
    const t = new Throttler(1000, 1000);
    t.check(0, 1, 10);
    // not committed
    assert.equal(t.check(0, 1, 10), 0);
  });

  it('a batch larger than the threshold can never pass', () => {
    assert.equal(new Throttler(1000, 1e9).check(0, 11, 10), BLOCKED);
    assert.equal(new Throttler(1000, 1e9).check(0, 1, 0), BLOCKED);
  });

  it('as a rule: entries carry their wait, and entryAsync/run wait it out in order (real timers)', async () => {
    const g = createGuard({
      autoSample: false,
      rules: { flow: [{ id: 't', resource: 'r', threshold: 50, behavior: 'throttling', maxQueueingTimeMs: 2000 }] },
    });
    const start = performance.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => g.run('r', () => void done.push(performance.now() - start), { key: i })));
    // 50/s: slots 20 ms apart, so the 10th starts ~180 ms after the first. (Single gaps are not
    // asserted: a timer delayed by a busy machine shortens the gap after it, not the schedule.)
    assert.equal(done.length, 10);
    const spread = done[9]! - done[0]!;
    assert.ok(spread >= 170 && spread < 1000, `10 paced calls over ~180 ms, got ${spread.toFixed(1)} ms`);
    for (let i = 1; i < 10; i++) assert.ok(done[i]! >= done[i - 1]!, 'in order');
    assert.ok(done[0]! < 50, 'the first call does not wait');
  });

  it('an aborted wait cancels the entry: the caller gets HOLDFAST_E_ABORTED and nothing stays in flight', async () => {
    const g = createGuard({
      autoSample: false,
      rules: { flow: [{ id: 't', resource: 'r', threshold: 1, behavior: 'throttling', maxQueueingTimeMs: 5000 }] },
    });
    const first = (await g.entryAsync('r')) as Entry;
    first.exit();
    const ac = new AbortController();
    const pending = g.entryAsync('r', { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('client went away')), 20);
    await assert.rejects(pending, (err: { code?: string }) => err.code === 'HOLDFAST_E_ABORTED');
    const stats = g.snapshot().resources.find((r) => r.resource === 'r')!;
    assert.equal(stats.inflight, 0);
    assert.equal(stats.cancelled, 1);
  });
});
