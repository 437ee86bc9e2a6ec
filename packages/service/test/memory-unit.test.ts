// The pure parts of memory forensics: the heap-trend verdict, the capture choice, the token check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenMatches } from '../src/memory/admin-routes.ts';
import { chooseCapture, HeapTrend } from '../src/index.ts';

const MiB = 2 ** 20;
const opts = { windowMs: 60_000, minSlopeBytesPerSecond: 100 * 1024, minGrowthBytes: 16 * MiB, minFit: 0.6 };

test('a steadily rising post-GC floor is a suspected leak', () => {
  const trend = new HeapTrend(opts);
  // Sawtooth over a rising floor: 1 MiB/s of growth, garbage on top between collections.
  for (let t = 0; t <= 60_000; t += 500) trend.add(t, 100 * MiB + (t / 1000) * MiB + ((t / 500) % 4) * 5 * MiB);
  const v = trend.verdict();
  assert.equal(v.suspected, true, JSON.stringify(v));
  assert.ok(Math.abs(v.slopeBytesPerSecond - MiB) < 0.1 * MiB, `slope ${v.slopeBytesPerSecond}`);
  assert.ok(v.fit > 0.9);
});

test('a flat sawtooth, a one-off step and too short a history are not leaks', () => {
  const flat = new HeapTrend(opts);
  for (let t = 0; t <= 60_000; t += 500) flat.add(t, 100 * MiB + ((t / 500) % 4) * 20 * MiB);
  assert.equal(flat.verdict().suspected, false, JSON.stringify(flat.verdict()));

  // A warm-up step (a cache filled once) then flat: the fit rejects it as a steady trend.
  const step = new HeapTrend({ ...opts, minGrowthBytes: 1 * MiB });
  for (let t = 0; t <= 60_000; t += 500) step.add(t, t < 6000 ? 100 * MiB : 160 * MiB);
  const sv = step.verdict();
  assert.equal(sv.suspected, false, JSON.stringify(sv));

  const short = new HeapTrend(opts);
  for (let t = 0; t <= 10_000; t += 500) short.add(t, 100 * MiB + t * MiB);
  assert.equal(short.verdict().suspected, false, 'fewer buckets than 60% of the window');

  // Slow growth below the slope threshold.
  const slow = new HeapTrend(opts);
  for (let t = 0; t <= 60_000; t += 500) slow.add(t, 100 * MiB + (t / 1000) * 10 * 1024);
  assert.equal(slow.verdict().suspected, false);
});

test('a full snapshot needs headroomRatio × heap used, else a sampling profile', () => {
  assert.deepEqual(chooseCapture(300 * MiB, 100 * MiB, 2.2), { kind: 'snapshot' });
  assert.equal(chooseCapture(221 * MiB, 100 * MiB, 2.2).kind, 'snapshot');
  const c = chooseCapture(219 * MiB, 100 * MiB, 2.2);
  assert.equal(c.kind, 'sampling');
  assert.match(c.refused!, /available memory 219 MiB is below 2.2 × heap used 100 MiB/);
});

test('the admin token must match exactly, as a Bearer token', () => {
  const token = 'a-long-admin-token-123';
  assert.equal(tokenMatches(token, `Bearer ${token}`), true);
  assert.equal(tokenMatches(token, `bearer ${token}`), true);
  for (const h of [undefined, '', token, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, 'Basic abc', 'Bearer '])
    assert.equal(tokenMatches(token, h), false, String(h));
  assert.equal(tokenMatches(undefined, `Bearer ${token}`), false, 'no configured token: always refused');
});
