// The alert state machine, every transition: pending on a result, firing after `for`, a pending
// alert dropped when its result goes, a firing one resolved (or held by keep_firing_for).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepAlert, type AlertEvent, type AlertPolicy, type AlertState } from '../../src/rules/alert-state.ts';

const MIN = 60_000;
const present = (value = 1): AlertEvent => ({ type: 'present', value });
const absent: AlertEvent = { type: 'absent' };

function run(events: AlertEvent[], policy: AlertPolicy): string[] {
  let s: AlertState | undefined;
  const out: string[] = [];
  events.forEach((e, i) => {
    const step = stepAlert(s, e, i * MIN, policy);
    s = step.next;
    for (const x of step.effects) out.push(`${i}:${x.type}`);
    out.push(`${i}=${s?.state ?? '-'}`);
  });
  return out;
}

test('a result makes an alert pending; held for `for` it fires at the evaluation that reaches it', () => {
  assert.deepEqual(run([present(), present(), present(), absent], { holdMs: 2 * MIN, keepFiringForMs: 0 }), [
    '0:pending',
    '0=pending',
    '1=pending',
    '2:firing',
    '2=firing',
    '3:resolved',
    '3=inactive',
  ]);
});

test('for: 0 fires at the first evaluation', () => {
  assert.deepEqual(run([present(), absent], { holdMs: 0, keepFiringForMs: 0 }), [
    '0:pending',
    '0:firing',
    '0=firing',
    '1:resolved',
    '1=inactive',
  ]);
});

test('a pending alert whose result goes is dropped, and starts over when it returns', () => {
  assert.deepEqual(run([present(), absent, present(), present(), present()], { holdMs: 2 * MIN, keepFiringForMs: 0 }), [
    '0:pending',
    '0=pending',
    '1:dropped',
    '1=-',
    '2:pending',
    '2=pending',
    '3=pending',
    '4:firing',
    '4=firing',
  ]);
});

test('keep_firing_for holds a firing alert through short gaps, then resolves it', () => {
  assert.deepEqual(run([present(), absent, present(), absent, absent, absent], { holdMs: 0, keepFiringForMs: 2 * MIN }), [
    '0:pending',
    '0:firing',
    '0=firing',
    '1=firing',
    '2=firing',
    '3=firing',
    '4=firing',
    '5:resolved',
    '5=inactive',
  ]);
});

test('a resolved alert that comes back is a new alert: pending again, with a new activeAt', () => {
  let s: AlertState | undefined;
  const policy = { holdMs: MIN, keepFiringForMs: 0 };
  for (const [t, e] of [
    [0, present()],
    [MIN, present()],
    [2 * MIN, absent],
    [3 * MIN, present(7)],
  ] as const)
    s = stepAlert(s, e, t, policy).next;
  assert.deepEqual(s, { state: 'pending', activeAt: 3 * MIN, value: 7 });
});
