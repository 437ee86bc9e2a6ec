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
    assert.deepEqual(events.map((e) => e.shedding), [true]);
    assert.equal(events[0]!.signal, 'eventLoopUtilization');
    const normal = admitMany(g, 20);
    assert.equal(normal.entries.length, 2, 'admits up to the estimate (in flight > 1 and > ~1), sheds the rest');
    assert.equal(normal.shed, 18);
    const critical = admitMany(g, 10, 'critical');
    assert.equal(critical.shed, 0, 'health and metrics are never shed');
    assert.equal(g.entry('outbound-call').blocked, false);
    for (const e of [...normal.entries, ...critical.entries]) e.exit();
  });

  it('sheds gradually: the probability follows the level, and low priority goes first', () => {
    let r = 0;
    const { g } = overloadable(() => r);
    g.updateSignals({ eventLoopUtilization: 1 }); // level 0.5
    const held = admitMany(g, 5).entries; // get in flight above the estimate
    r = 0.6;
    assert.equal(admitMany(g, 5).shed, 0, 'level 0.5: a draw of 0.6 passes');
    assert.equal(admitMany(g, 5, 'low').shed, 5, 'low sheds at twice the level');
    r = 0.3;
    assert.equal(admitMany(g, 5, 'high').shed, 0, 'high sheds at half the level');
    assert.equal(admitMany(g, 5).shed, 5);
    for (const e of held) e.exit();
  });

  it('has hysteresis: holds the level just under the trigger, winds down only well below it', () => {
    const { g } = overloadable();
    const events: SheddingEvent[] = [];
    g.on('shedding', (e) => events.push(e));
    for (let i = 0; i < 4; i++) g.updateSignals({ eventLoopUtilization: 1 });
    const level = () => g.snapshot().system!.level;
    assert.equal(level(), 1);
    // smoothing 0.5: feeding 0.86 moves the average towards it; stays inside the band (> 0.81).
    for (let i = 0; i < 6; i++) g.updateSignals({ eventLoopUtilization: 0.86 });
    assert.equal(level(), 1, 'inside the hysteresis band the level holds');
    for (let i = 0; i < 4; i++) g.updateSignals({ eventLoopUtilization: 0.2 });
    assert.ok(level() < 1 && level() > 0, `decays gradually, got ${level()}`);
    for (let i = 0; i < 10; i++) g.updateSignals({ eventLoopUtilization: 0.2 });
    assert.equal(level(), 0);
    assert.deepEqual(events.map((e) => e.shedding), [true, false]);
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
