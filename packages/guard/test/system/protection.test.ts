import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockError, type Entry, ManualClock, type SheddingEvent, createGuard } from '../../src/index.ts';

/**
 * A guard with system protection on an ELU trigger, fed by hand. Its BBR history: 10 inbound
 * calls completing in every 100 ms bucket at 10 ms each, i.e. 100/s x 10 ms = 1 in flight.
 */
function overloadable(random = () => 0) {
  const clock = new ManualClock(0);
  const g = createGuard({ clock, autoSample: false, random, rules: { system: { eventLoopUtilization: 0.9, riseStep: 0.5 } } });
  for (let b = 0; b < 20; b++) {
    for (let i = 0; i < 10; i++) {
      const e = g.entry('GET /', { inbound: true }) as Entry;
      clock.advance(1);
      e.exit({ rt: 10 });
    }
    clock.advance(90);
  }
  return { g, clock };
}

function admitMany(g: ReturnType<typeof createGuard>, n: number, priority?: 'critical' | 'high' | 'normal' | 'low') {
  const entries: Entry[] = [];
  let shed = 0;
  for (let i = 0; i < n; i++) {
    const e = g.entry('GET /', { inbound: true, priority });
    if (e instanceof BlockError) {
      assert.equal(e.reason, 'system');
      assert.equal(e.code, 'HOLDFAST_E_BLOCKED_SYSTEM');
      shed++;
    } else entries.push(e);
  }
  return { entries, shed };
}

describe('system protection', () => {
  it('sheds nothing while signals are under their triggers, however many calls are in flight', () => {
    const { g } = overloadable();
    g.updateSignals({ eventLoopUtilization: 0.5 });
    const { shed, entries } = admitMany(g, 50);
    assert.equal(shed, 0);
    for (const e of entries) e.exit();
  });

  it('sheds nothing when a signal is over but in-flight calls are within the BBR estimate (busy but healthy)', () => {
    const { g } = overloadable();
    g.updateSignals({ eventLoopUtilization: 1 });
    g.updateSignals({ eventLoopUtilization: 1 });
    assert.equal(g.snapshot().system!.level, 1);
    // One at a time: in flight never exceeds the estimate of ~1.
    for (let i = 0; i < 50; i++) {
      const e = g.entry('GET /', { inbound: true });
      assert.equal(e.blocked, false);
      (e as Entry).exit({ rt: 10 });
    }
  });

  it('sheds calls beyond the BBR estimate while overloaded; never critical ones; outbound calls are not subject', () => {
    const { g } = overloadable();
    const events: SheddingEvent[] = [];
    g.on('shedding', (e) => events.push(e));
    g.updateSignals({ eventLoopUtilization: 1 });
    g.updateSignals({ eventLoopUtilization: 1 });
    assert.deepEqual(
      events.map((e) => e.shedding),
      [true],
    );
    assert.equal(events[0]!.signal, 'eventLoopUtilization');
    const normal = admitMany(g, 20);
    assert.equal(normal.entries.length, 2, 'admits up to the estimate (in flight > 1 and > ~1), sheds the rest');
    assert.equal(normal.shed, 18);
    const critical = admitMany(g, 10, 'critical');
    assert.equal(critical.shed, 0, 'health and metrics are never shed');
    assert.equal(g.entry('outbound-call').blocked, false);
    for (const e of [...normal.entries, ...critical.entries]) e.exit();
  });

  it('sheds gradually: just over the estimate with probability = level (low priority first), surely at twice the estimate', () => {
    let r = 0;
    const clock = new ManualClock(0);
    const g = createGuard({ clock, autoSample: false, random: () => r, rules: { system: { eventLoopUtilization: 0.9, riseStep: 0.5 } } });
    // History: 20 in flight at a time, 50 ms each -> 400/s x 50 ms = 20; with headroom 1.25: 25.
    for (let b = 0; b < 30; b++) {
      const batch = Array.from({ length: 20 }, () => g.entry('GET /', { inbound: true }) as Entry);
      clock.advance(50);
      for (const e of batch) e.exit({ rt: 50 });
    }
    assert.equal(g.snapshot().system!.maxInflight, 25);
    g.updateSignals({ eventLoopUtilization: 1 }); // level 0.5
    const held = admitMany(g, 26).entries; // admitted while in flight <= the estimate: nothing is shed
    assert.equal(held.length, 26);
    // In flight 26 > 25: excess 1/25 = 0.04, so p = 1 - (1 - level) x 0.96.
    r = 0.5; // normal: p = 0.52 -> shed; high: p = 1 - 0.75 x 0.96 = 0.28 -> passes
    assert.equal(admitMany(g, 1).shed, 1);
    const high = admitMany(g, 1, 'high');
    assert.equal(high.shed, 0);
    r = 0.53; // 27 in flight now: excess 0.08, p = 1 - 0.5 x 0.92 = 0.54 -> shed
    assert.equal(admitMany(g, 1).shed, 1);
    r = 0.55; // ... but a draw above 0.54 passes
    const passed = admitMany(g, 1);
    assert.equal(passed.shed, 0);
    r = 0.99;
    const low = admitMany(g, 1, 'low'); // low: level x 2 = 1 -> certain
    assert.equal(low.shed, 1);
    const more = admitMany(g, 30); // r = 0.99 lets some through while just over, none at twice the estimate
    const inflight = g.snapshot().system!.inflight;
    assert.ok(more.entries.length > 0 && inflight <= 50, `in flight never exceeds twice the estimate: ${inflight}`);
    for (const e of [...held, ...high.entries, ...passed.entries, ...more.entries]) e.exit();
  });

  it('has hysteresis and a cool-down: holds the level near the trigger and for coolDownMs after it, then winds down', () => {
    const { g, clock } = overloadable();
    const events: SheddingEvent[] = [];
    g.on('shedding', (e) => events.push(e));
    const sample = (elu: number) => {
      clock.advance(100); // the sampler's pace
      g.updateSignals({ eventLoopUtilization: elu });
    };
    for (let i = 0; i < 4; i++) sample(1);
    const level = () => g.snapshot().system!.level;
    assert.equal(level(), 1);
    // smoothing 0.5: 0.86 pulls the average inside the band (0.72..0.9): the level holds however long.
    for (let i = 0; i < 30; i++) sample(0.86);
    assert.equal(level(), 1, 'inside the hysteresis band the level holds');
    sample(1); // one more excess restarts the cool-down
    for (let i = 0; i < 19; i++) sample(0.2);
    assert.equal(level(), 1, 'well below the band, but within coolDownMs (2 s) of the last excess');
    sample(0.2);
    sample(0.2);
    assert.ok(level() < 1 && level() > 0, `then decays gradually, got ${level()}`);
    for (let i = 0; i < 10; i++) sample(0.2);
    assert.equal(level(), 0);
    assert.deepEqual(
      events.map((e) => e.shedding),
      [true, false],
    );
  });

  it('smooths signals: one spike does not arm shedding', () => {
    const { g } = overloadable();
    for (let i = 0; i < 5; i++) g.updateSignals({ eventLoopUtilization: 0.3 });
    g.updateSignals({ eventLoopUtilization: 1 }); // EWMA: 0.3 + 0.5 * 0.7 = 0.65
    assert.equal(g.snapshot().system!.level, 0);
  });

  it('triggers on inbound concurrency computed from its own statistics', () => {
    const clock = new ManualClock(0);
    const g = createGuard({ clock, autoSample: false, rules: { system: { inboundConcurrency: 3, smoothing: 1 } } });
    const held = admitMany(g, 4).entries;
    g.updateSignals();
    const s = g.snapshot();
    assert.equal(s.signals.inboundConcurrency, 4);
    assert.equal(s.system!.worstSignal, 'inboundConcurrency');
    assert.ok(s.system!.level > 0);
    for (const e of held) e.exit();
  });

  it('dry-run system protection counts would-be sheds without shedding', () => {
    const clock = new ManualClock(0);
    const g = createGuard({ clock, autoSample: false, random: () => 0, rules: { system: { eventLoopUtilization: 0.9, dryRun: true } } });
    for (let i = 0; i < 10; i++) {
      const e = g.entry('GET /', { inbound: true }) as Entry;
      clock.advance(100);
      e.exit({ rt: 10 });
    }
    for (let i = 0; i < 4; i++) g.updateSignals({ eventLoopUtilization: 1 });
    const { entries, shed } = admitMany(g, 10);
    assert.equal(shed, 0);
    assert.ok(g.snapshot().resources.find((r) => r.resource === 'GET /')!.wouldBlock.system > 0);
    for (const e of entries) e.exit();
  });

  it('samples real signals on a timer when a system rule is loaded, and stops on close', async () => {
    const g = createGuard({ rules: { system: { eventLoopUtilization: 0.99, sampleIntervalMs: 20 } } });
    await new Promise((r) => setTimeout(r, 120));
    const s = g.snapshot().signals;
    g.close();
    assert.ok(s.eventLoopUtilization >= 0 && s.eventLoopUtilization <= 1, `ELU sampled: ${s.eventLoopUtilization}`);
    assert.ok(s.heapUsedRatio > 0 && s.heapUsedRatio < 1);
    assert.ok(s.rssRatio > 0);
    assert.ok(s.cpuUsage >= 0);
  });
});
