// cleanup(t, fn): last-in first-out per test, and every undo runs even when one throws
// (node:test itself runs after hooks first-in first-out and stops at the first that throws).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanup } from '../src/cleanup.ts';

function fakeContext(): { t: { after: (fn: () => unknown) => void }; hooks: (() => unknown)[] } {
  const hooks: (() => unknown)[] = [];
  return { t: { after: (fn) => void hooks.push(fn) }, hooks };
}

test('undos run last-in first-out, from one after hook per test', async () => {
  const { t, hooks } = fakeContext();
  const order: string[] = [];
  cleanup(t, () => order.push('temp dir'));
  cleanup(t, async () => {
    await Promise.resolve();
    order.push('child');
  });
  cleanup(t, () => order.push('server'));
  assert.equal(hooks.length, 1);
  await hooks[0]!();
  assert.deepEqual(order, ['server', 'child', 'temp dir']);
});

test('an undo that throws does not skip the others; the first error is reported', async () => {
  const { t, hooks } = fakeContext();
  const ran: string[] = [];
  cleanup(t, () => ran.push('first registered'));
  cleanup(t, () => {
    throw new Error('rm failed');
  });
  cleanup(t, () => ran.push('last registered'));
  await assert.rejects(async () => hooks[0]!(), /rm failed/);
  assert.deepEqual(ran, ['last registered', 'first registered']);
});
