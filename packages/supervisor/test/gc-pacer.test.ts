// The daemon's GC pacer over a fake heap and a fake gc(): it collects only after the heap grew
// by the threshold since the last collection, never twice at once, follows collections V8 ran
// on its own, and rejects nonsense settings. The real daemon has gc() (DAEMON_NODE_FLAGS): the
// footprint test checks that from inside the daemon process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GcPacer, type GcFunction } from '../src/daemon/gc-pacer.ts';
import { DAEMON_NODE_FLAGS } from '../src/index.ts';

const MiB = 1024 * 1024;

function fakeHeap(start: number) {
  const h = { used: start, calls: [] as Parameters<GcFunction>[0][], live: start, clock: 0 };
  const gc: GcFunction = (o) => {
    h.calls.push(o);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        h.clock += 20;
        h.used = h.live;
        resolve();
      }),
    );
  };
  return { h, pacer: (growthBytes = MiB) => new GcPacer({ gc, heapUsed: () => h.used, now: () => h.clock, growthBytes, checkMs: 1000 }) };
}

test('collects only once the heap grew by the threshold since the last collection', async () => {
  const { h, pacer } = fakeHeap(8 * MiB);
  const p = pacer();
  h.used += 0.5 * MiB;
  assert.equal(await p.check(), false);
  assert.equal(h.calls.length, 0);
  h.used += 0.6 * MiB;
  assert.equal(await p.check(), true);
  assert.deepEqual(h.calls, [{ type: 'major', execution: 'async' }]);
  assert.equal(h.used, 8 * MiB, 'the garbage was collected');
  assert.deepEqual(p.stats, { runs: 1, lastMs: 20, totalMs: 20 });
  // Counting starts again from what was live after the collection.
  h.used += 0.9 * MiB;
  assert.equal(await p.check(), false);
  h.used += 0.2 * MiB;
  assert.equal(await p.check(), true);
  assert.equal(p.stats.runs, 2);
});

test('a growing live set does not make it collect at every check', async () => {
  const { h, pacer } = fakeHeap(8 * MiB);
  const p = pacer();
  h.live = h.used = 10 * MiB; // more programs: the live heap itself grew
  assert.equal(await p.check(), true);
  assert.equal(await p.check(), false, 'the new live size is the new baseline');
  assert.equal(h.calls.length, 1);
});

test('a collection V8 ran on its own lowers the baseline', async () => {
  const { h, pacer } = fakeHeap(9 * MiB);
  const p = pacer();
  h.used = 7 * MiB; // V8 collected
  assert.equal(await p.check(), false);
  h.used = 8.5 * MiB; // 1.5 MiB above what V8 left, though below the start
  assert.equal(await p.check(), true);
});

test('never asks for a second collection while one is running', async () => {
  const { h, pacer } = fakeHeap(8 * MiB);
  const p = pacer();
  h.used += 2 * MiB;
  const [a, b] = await Promise.all([p.check(), p.check()]);
  assert.deepEqual([a, b], [true, false]);
  assert.equal(h.calls.length, 1);
});

test('a gc() that collects synchronously (returns nothing) works too', async () => {
  let used = 9 * MiB;
  const p = new GcPacer({ gc: () => void (used = 7 * MiB), heapUsed: () => used, now: () => 0 });
  used = 10.5 * MiB;
  assert.equal(await p.check(), true);
  assert.equal(used, 7 * MiB);
});

test('settings must be positive', () => {
  for (const bad of [{ checkMs: 0 }, { growthBytes: -1 }, { checkMs: Number.NaN }]) {
    assert.throws(() => new GcPacer({ gc: () => undefined, heapUsed: () => 0, now: () => 0, ...bad }), RangeError);
  }
});

test('the daemon runs with gc() exposed', () => {
  assert.ok(DAEMON_NODE_FLAGS.includes('--expose-gc'));
});
