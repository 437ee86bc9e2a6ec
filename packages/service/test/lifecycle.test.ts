import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIFECYCLE_STATES, acceptsTraffic, transition, type LifecycleEvent, type LifecycleState } from '../src/lifecycle.ts';

const EVENTS: LifecycleEvent[] = ['started', 'degraded', 'recovered', 'drain', 'close', 'stopped'];

// The whole table, written out: every (state, event) pair not listed here must be refused.
const allowed: [LifecycleState, LifecycleEvent, LifecycleState][] = [
  ['STARTING', 'started', 'READY'],
  ['STARTING', 'drain', 'DRAINING'],
  ['STARTING', 'stopped', 'STOPPED'],
  ['READY', 'degraded', 'DEGRADED'],
  ['READY', 'drain', 'DRAINING'],
  ['DEGRADED', 'recovered', 'READY'],
  ['DEGRADED', 'degraded', 'DEGRADED'],
  ['DEGRADED', 'drain', 'DRAINING'],
  ['DRAINING', 'close', 'CLOSING'],
  ['CLOSING', 'stopped', 'STOPPED'],
];

for (const state of LIFECYCLE_STATES) {
  for (const event of EVENTS) {
    const expected = allowed.find(([s, e]) => s === state && e === event)?.[2];
    test(`${state} --${event}--> ${expected ?? 'refused'}`, () => {
      assert.equal(transition(state, event), expected);
    });
  }
}

test('only READY and DEGRADED accept traffic', () => {
  assert.deepEqual(LIFECYCLE_STATES.filter(acceptsTraffic), ['READY', 'DEGRADED']);
});

test('STOPPED is terminal', () => {
  for (const e of EVENTS) assert.equal(transition('STOPPED', e), undefined);
});
