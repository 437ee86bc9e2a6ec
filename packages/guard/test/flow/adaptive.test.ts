// Adaptive concurrency (strategy: adaptive) against a backend whose latency doubles under load:
// a processor-sharing server with 10 slots and 10 ms of work per call (20 ms at 20 in flight,
// 30 ms at 30, ...), offered 5x its capacity. Simulated time (a ManualClock, 1 ms steps), the
// real guard: entry, exit, the limit learned from completions, the gauge in the snapshot.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Entry, ManualClock, RulesError, createGuard } from '../../src/index.ts';

const SLOTS = 10;
const WORK_MS = 10;
const CAPACITY_PER_MS = SLOTS / WORK_MS; // 1 call per ms

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length * 0.99)] ?? NaN;
}

/** Runs `ms` of simulated time at `load` x capacity; returns admitted latencies and the limit every 100 ms. */
function simulate(rule: Record<string, unknown> | null, load: number, ms: number) {
  const clock = new ManualClock(0);
  const guard = createGuard({
    clock,
    autoSample: false,
    rules: rule ? { flow: [{ id: 'a', resource: 'backend', ...rule } as never] } : {},
  });
  const inflight: { e: Entry; left: number; start: number }[] = [];
  const latencies: number[] = [];
  const limits: number[] = [];
  let completed = 0;
  let debt = 0;
  for (let t = 0; t < ms; t++) {
    clock.advance(1);
    // Processor sharing: the slots' work is split over everything in flight.
    const share = Math.min(1, SLOTS / Math.max(1, inflight.length));
    for (let i = inflight.length - 1; i >= 0; i--) {
      const c = inflight[i]!;
      c.left -= share;
      if (c.left <= 1e-9) {
        inflight.splice(i, 1);
        c.e.exit();
        latencies.push(clock.now() - c.start);
        completed++;
      }
    }
    for (debt += load * CAPACITY_PER_MS; debt >= 1; debt--) {
      const e = guard.entry('backend');
      if (!e.blocked) inflight.push({ e, left: WORK_MS, start: clock.now() });
    }
    if (t % 100 === 0) limits.push(rule ? guard.snapshot().flow[0]!.threshold : Infinity);
  }
  return { latencies, limits, goodput: completed / (ms * CAPACITY_PER_MS), guard };
}

describe('adaptive concurrency', () => {
  it('settles near the backend’s capacity at 5x overload, keeping p99 bounded where no limit lets it run away', (t) => {
    const adaptive = simulate({ metric: 'concurrency', strategy: 'adaptive', threshold: 50, minLimit: 2, maxLimit: 500 }, 5, 20_000);
    const settled = adaptive.limits.slice(-50); // the last 5 s
    const lo = Math.min(...settled);
    const hi = Math.max(...settled);
    const late = adaptive.latencies.slice(-5000);
    const none = simulate(null, 5, 3000);
    const noneLate = none.latencies.slice(-500);
    const msg =
      `limit settled ` +
      `in ${lo.toFixed(1)}..${hi.toFixed(1)}, admitted ` +
      `p99 ${p99(late)} ms, ` +
      `goodput ${adaptive.goodput.toFixed(2)}; without a limit p99 ${p99(noneLate)} ms`;
    t.diagnostic(msg);
    assert.ok(lo >= SLOTS * 0.8 && hi <= SLOTS * 2.5, msg);
    assert.ok(hi - lo <= SLOTS, `the limit keeps moving: ${msg}`);
    assert.ok(p99(late) <= WORK_MS * 3, `admitted p99 not bounded: ${msg}`);
    assert.ok(adaptive.goodput >= 0.8, `goodput below 0.8 of capacity: ${msg}`);
    assert.ok(p99(noneLate) > p99(late) * 5, `the unprotected backend should degrade: ${msg}`);
  });

  it('follows a backend that gets twice as slow, and grows back when it recovers', () => {
    const clock = new ManualClock(0);
    const guard = createGuard({
      clock,
      autoSample: false,
      rules: { flow: [{ id: 'a', resource: 'r', metric: 'concurrency', strategy: 'adaptive', threshold: 20, maxLimit: 200 }] },
    });
    let work = WORK_MS;
    const inflight: { e: Entry; left: number }[] = [];
    const run = (ms: number) => {
      for (let t = 0; t < ms; t++) {
        clock.advance(1);
        const share = Math.min(1, SLOTS / Math.max(1, inflight.length));
        for (let i = inflight.length - 1; i >= 0; i--) if ((inflight[i]!.left -= share) <= 1e-9) inflight.splice(i, 1)[0]!.e.exit();
        for (let k = 0; k < 3; k++) {
          const e = guard.entry('r');
          if (!e.blocked) inflight.push({ e, left: work });
        }
      }
      return guard.snapshot().flow[0]!.threshold;
    };
    const fast = run(10_000);
    work = WORK_MS * 2;
    const slow = run(10_000);
    work = WORK_MS;
    const recovered = run(10_000);
    assert.ok(
      slow < fast * 1.3 && recovered > slow * 0.7 && recovered >= SLOTS * 0.8,
      `fast ${fast.toFixed(1)}, slow ${slow.toFixed(1)}, recovered ${recovered.toFixed(1)}`,
    );
  });

  it('rejects an adaptive rule that is not a concurrency rule, or whose bounds do not hold its start', () => {
    const guard = createGuard({ autoSample: false });
    try {
      guard.loadRules({ flow: [{ id: 'a', resource: 'r', threshold: 5, strategy: 'adaptive', minLimit: 10, maxLimit: 5 }] });
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof RulesError);
      assert.deepEqual(err.issues.map((i) => i.path.join('.')).sort(), ['flow.0.maxLimit', 'flow.0.metric', 'flow.0.threshold']);
    }
  });
});
