// The last output of an instance, kept in one fixed ring buffer: order across wrap-arounds,
// chunks larger than the ring, clearing for a new process, UTF-8 cut at the start, bad sizes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { OutputTail } from '../src/runner/output-tail.ts';

const b = (s: string) => Buffer.from(s, 'utf8');

test('holds everything while it fits, oldest first', () => {
  const t = new OutputTail(16);
  assert.equal(t.text(), '');
  assert.equal(t.length, 0);
  t.push(b('one\n'));
  t.push(b(''));
  t.push(b('two\n'));
  assert.equal(t.text(), 'one\ntwo\n');
  assert.equal(t.length, 8);
});

test('keeps exactly the last `capacity` bytes across wrap-arounds, whatever the chunking', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 30 }), (cap, chunks) => {
      const t = new OutputTail(cap);
      for (const c of chunks) t.push(c);
      const all = Buffer.concat(chunks);
      assert.deepEqual(t.bytes(), all.subarray(Math.max(0, all.length - cap)));
      assert.equal(t.length, Math.min(cap, all.length));
    }),
  );
});

test('a chunk larger than the ring keeps its own tail; a chunk that fills the ring exactly wraps cleanly', () => {
  const t = new OutputTail(8);
  t.push(b('abcdefghijkl'));
  assert.equal(t.text(), 'efghijkl');
  const u = new OutputTail(8);
  u.push(b('12345678'));
  assert.equal(u.text(), '12345678');
  u.push(b('9'));
  assert.equal(u.text(), '23456789');
});

test('clear forgets the previous process and reuses the buffer', () => {
  const t = new OutputTail(8);
  t.push(b('old output'));
  t.clear();
  assert.equal(t.text(), '');
  t.push(b('new'));
  assert.equal(t.text(), 'new');
});

test('a UTF-8 sequence cut at the start by the wrap is dropped, not shown as a replacement character', () => {
  const t = new OutputTail(4);
  t.push(b('x€yz')); // 78 e2 82 ac 79 7a: the last 4 bytes start inside €
  assert.equal(t.text(), 'yz');
  t.push(b('!')); // the ring now starts on the last byte of €
  assert.equal(t.text(), 'yz!');
  t.push(b('ü')); // two whole characters' worth: nothing cut
  assert.equal(t.text(), 'z!ü');
  assert.ok(!t.text().includes('\uFFFD'));
});

test('capacity must be a positive integer', () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new OutputTail(bad), RangeError);
});
