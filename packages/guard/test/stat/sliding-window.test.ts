import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SlidingWindow } from '../../src/stat/sliding-window.ts';

// A naive model: every event kept with its time; the window holds events whose bucket number is
// within the last `buckets` buckets of the newest reading.
class Model {
  events: { bn: number; e: number; n: number }[] = [];
  headBn = -1;
  readonly bucketMs: number;
  readonly buckets: number;
  constructor(bucketMs: number, buckets: number) {
    this.bucketMs = bucketMs;
    this.buckets = buckets;
  }
  see(now: number): void {
    this.headBn = Math.max(this.headBn, Math.floor(now / this.bucketMs));
  }
  add(now: number, e: number, n: number): void {
    this.see(now);
    this.events.push({ bn: Math.max(Math.floor(now / this.bucketMs), this.headBn), e, n });
  }
  sum(now: number, e: number, completedOnly = false): number {
    this.see(now);
    let s = 0;
    for (const ev of this.events) {
      if (ev.e !== e || ev.bn <= this.headBn - this.buckets) continue;
      if (completedOnly && ev.bn === this.headBn) continue;
      s += ev.n;
    }
    return s;
  }
  expired(e: number): number {
    return this.events.filter((ev) => ev.e === e && ev.bn <= this.headBn - this.buckets).reduce((a, ev) => a + ev.n, 0);
  }
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('advance' as const),
    ms: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 250, noNaN: true })),
  }),
  fc.record({ kind: fc.constant('add' as const), e: fc.integer({ min: 0, max: 2 }), n: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ kind: fc.constant('sum' as const), e: fc.integer({ min: 0, max: 2 }) }),
);

describe('SlidingWindow', () => {
  it('matches a naive model for any interleaving of adds, sums and clock advances: no count lost across bucket rollover', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([1000, 10], [1000, 2], [500, 5], [60, 1], [10_000, 100], [7, 7]),
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(op, { maxLength: 300, size: 'max' }),
        ([interval, buckets], start, ops) => {
          const w = new SlidingWindow(interval!, buckets!, 3);
          const m = new Model(interval! / buckets!, buckets!);
          let now = start;
          const added = [0, 0, 0];
          for (const o of ops) {
            if (o.kind === 'advance') now += o.ms;
            else if (o.kind === 'add') {
              w.add(now, o.e, o.n);
              m.add(now, o.e, o.n);
              added[o.e]! += o.n;
            } else {
              assert.equal(w.sum(now, o.e), m.sum(now, o.e));
              assert.equal(w.sumCompleted(now, o.e), m.sum(now, o.e, true));
            }
          }
          m.see(now);
          for (let e = 0; e < 3; e++) {
            // Conservation: every count added is either still in the window or expired with its bucket.
            assert.equal(w.sum(now, e) + m.expired(e), added[e]);
            assert.equal(w.sum(now, e), m.sum(now, e));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps counts of the current and previous buckets and drops a bucket exactly when it leaves the window', () => {
    const w = new SlidingWindow(1000, 10, 1);
    w.add(0, 0, 1);
    w.add(99.9, 0, 1);
    w.add(100, 0, 5);
    assert.equal(w.sum(100, 0), 7);
    assert.equal(w.head(100, 0), 5);
    assert.equal(w.sumCompleted(100, 0), 2);
    assert.equal(w.sum(999.99, 0), 7);
    assert.equal(w.sum(1000, 0), 5, 'bucket [0,100) leaves the window at t=1000');
    assert.equal(w.sum(1099, 0), 5);
    assert.equal(w.sum(1100, 0), 0);
  });

  it('clears everything after an idle gap longer than the window', () => {
    const w = new SlidingWindow(1000, 10, 2);
    for (let t = 0; t < 1000; t += 10) w.add(t, 1, 2);
    assert.equal(w.sum(999, 1), 200);
    assert.equal(w.sum(50_000, 1), 0);
    w.add(50_001, 1, 3);
    assert.equal(w.sum(50_002, 1), 3);
  });

  it('counts a reading older than the head bucket into the head instead of losing it', () => {
    const w = new SlidingWindow(1000, 10, 1);
    w.add(500, 0, 1);
    w.add(300, 0, 1);
    assert.equal(w.head(500, 0), 2);
  });

  it('reports the max per-bucket value and the min per-bucket ratio over completed buckets', () => {
    const w = new SlidingWindow(1000, 10, 2);
    w.add(0, 0, 4);
    w.add(0, 1, 40); // avg 10
    w.add(100, 0, 9);
    w.add(100, 1, 45); // avg 5
    w.add(200, 0, 50); // head bucket: ignored
    w.add(200, 1, 50);
    assert.equal(w.maxCompleted(250, 0), 9);
    assert.equal(w.minRatioCompleted(250, 1, 0), 5);
    assert.equal(new SlidingWindow(1000, 10, 2).minRatioCompleted(0, 1, 0), Infinity);
  });

  it('rejects a shape that does not split evenly', () => {
    assert.throws(() => new SlidingWindow(1000, 3, 1), /multiple of bucketCount/);
    assert.throws(() => new SlidingWindow(1000, 0, 1), /positive integer/);
    assert.throws(() => new SlidingWindow(0, 1, 1), /multiple/);
  });
});
