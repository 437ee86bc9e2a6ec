// The incident state machine without a store or a clock: the table itself, every (state, event)
// pair, the loop's scenarios, and random event sequences against its invariants.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { acceptsIncident, openIncident, table, transitionIncident } from '../../src/incidents/machine.ts';
import {
  INCIDENT_EVENT_TYPES,
  INCIDENT_STATES,
  type IncidentEvent,
  type IncidentState,
  type IncidentStateName,
} from '../../src/incidents/states.ts';

const QUIET = 60_000;

function driver() {
  let now = 10_000;
  let s: IncidentState | undefined;
  const effects: string[] = [];
  const log = (t: { effects: { type: string }[] }) => {
    for (const f of t.effects as { type: string; action?: string; what?: string; at?: number }[]) {
      effects.push(
        f.type === 'notify'
          ? `notify:${f.action}`
          : f.type === 'record'
            ? `record:${f.what}`
            : f.type === 'setTimer'
              ? `setTimer:+${f.at! - now}`
              : f.type,
      );
    }
  };
  return {
    get s() {
      return s!;
    },
    advance(ms: number) {
      now += ms;
    },
    open() {
      const t = openIncident(now, { now, quietMs: QUIET });
      s = t.next;
      log(t);
    },
    send(e: IncidentEvent) {
      const t = transitionIncident(s!, e, { now, quietMs: QUIET });
      s = t.next;
      log(t);
      return t;
    },
    take: () => effects.splice(0),
  };
}

const sample: Record<IncidentEvent['type'], IncidentEvent> = {
  occurred: { type: 'occurred', at: 5_000 },
  ack: { type: 'ack', by: 'ana' },
  resolve: { type: 'resolve', by: 'ana', cause: 'disk full on db-2' },
  invalid: { type: 'invalid', reason: 'threshold too low' },
  sourceResolved: { type: 'sourceResolved' },
  timer: { type: 'timer' },
};

function stateIn(name: IncidentStateName): IncidentState {
  const base: IncidentState = { state: name, since: 0, firstSeen: 0, lastSeen: 0, count: 3, openedAt: 0, reopened: 0 };
  if (name !== 'resolved') base.quietAt = 1_000;
  if (name === 'acknowledged') Object.assign(base, { ackedAt: 500, ackedBy: 'ana' });
  if (name === 'resolved') Object.assign(base, { resolvedAt: 2_000, resolution: 'quiet' });
  return base;
}

test('the table lists exactly the legal moves', () => {
  const rows = Object.fromEntries(INCIDENT_STATES.map((st) => [st, Object.keys(table[st]).sort()]));
  assert.deepEqual(rows, {
    open: ['ack', 'invalid', 'occurred', 'resolve', 'sourceResolved', 'timer'],
    acknowledged: ['invalid', 'occurred', 'resolve', 'sourceResolved', 'timer'],
    resolved: ['invalid', 'occurred'],
  });
});

test('every (state, event) pair: where it leads and what it does', () => {
  const expected: Record<IncidentStateName, Record<IncidentEvent['type'], [IncidentStateName, string[]]>> = {
    open: {
      occurred: ['open', ['setTimer']],
      ack: ['acknowledged', ['record', 'notify']],
      resolve: ['resolved', ['clearTimer', 'record', 'notify']],
      invalid: ['resolved', ['clearTimer', 'record', 'notify']],
      sourceResolved: ['resolved', ['clearTimer', 'record', 'notify']],
      timer: ['resolved', ['clearTimer', 'record', 'notify']],
    },
    acknowledged: {
      occurred: ['acknowledged', ['setTimer']],
      ack: ['acknowledged', []],
      resolve: ['resolved', ['clearTimer', 'record', 'notify']],
      invalid: ['resolved', ['clearTimer', 'record', 'notify']],
      sourceResolved: ['resolved', ['clearTimer', 'record', 'notify']],
      timer: ['resolved', ['clearTimer', 'record', 'notify']],
    },
    resolved: {
      occurred: ['open', ['record', 'notify', 'setTimer', 'act']],
      ack: ['resolved', []],
      resolve: ['resolved', []],
      invalid: ['resolved', ['record']],
      sourceResolved: ['resolved', []],
      timer: ['resolved', []],
    },
  };
  for (const st of INCIDENT_STATES) {
    for (const type of INCIDENT_EVENT_TYPES) {
      const before = stateIn(st);
      const t = transitionIncident(before, sample[type], { now: 5_000, quietMs: QUIET });
      const [to, effects] = expected[st][type];
      assert.equal(t.next.state, to, `${st} + ${type}`);
      assert.deepEqual(
        t.effects.map((e) => e.type),
        effects,
        `${st} + ${type}`,
      );
      assert.equal(acceptsIncident(st, type), table[st][type] !== undefined);
      if (!acceptsIncident(st, type)) assert.equal(t.next, before, `${st} + ${type} changes nothing`);
    }
  }
});

test('the loop: open, counted, acknowledged, resolved by hand with a cause', () => {
  const d = driver();
  d.open();
  assert.deepEqual(d.take(), ['record:opened', 'notify:trigger', `setTimer:+${QUIET}`, 'act']);
  d.advance(1_000);
  d.send({ type: 'occurred', at: 11_000 });
  d.send({ type: 'occurred', at: 10_500 });
  assert.equal(d.s.count, 3);
  assert.equal(d.s.lastSeen, 11_000, 'a late signal does not move lastSeen back');
  assert.deepEqual(d.take(), [`setTimer:+${QUIET}`, `setTimer:+${QUIET}`]);
  d.send({ type: 'ack', by: 'ana' });
  assert.equal(d.s.state, 'acknowledged');
  assert.equal(d.s.ackedBy, 'ana');
  assert.deepEqual(d.take(), ['record:acknowledged', 'notify:acknowledge']);
  d.send({ type: 'resolve', cause: 'pool size 10 too small' });
  assert.equal(d.s.state, 'resolved');
  assert.equal(d.s.resolution, 'manual');
  assert.equal(d.s.cause, 'pool size 10 too small');
  assert.equal(d.s.quietAt, undefined);
  assert.deepEqual(d.take(), ['clearTimer', 'record:resolved', 'notify:resolve']);
});

test('quiet period: resolves itself, but only once the period since the last signal has passed', () => {
  const d = driver();
  d.open();
  d.advance(QUIET - 1_000);
  d.send({ type: 'occurred', at: 0 });
  d.take();
  d.advance(1_000);
  d.send({ type: 'timer' }); // the first timer, set at open: now stale
  assert.equal(d.s.state, 'open');
  assert.deepEqual(d.take(), [`setTimer:+${QUIET - 1_000}`]);
  d.advance(QUIET - 1_000);
  d.send({ type: 'timer' });
  assert.equal(d.s.state, 'resolved');
  assert.equal(d.s.resolution, 'quiet');
});

test('regression: a resolved incident that fires again reopens, counts, notifies and acts again', () => {
  const d = driver();
  d.open();
  d.send({ type: 'sourceResolved' });
  assert.equal(d.s.resolution, 'source');
  d.take();
  d.advance(30_000);
  d.send({ type: 'occurred', at: 40_000 });
  assert.equal(d.s.state, 'open');
  assert.equal(d.s.reopened, 1);
  assert.equal(d.s.count, 2);
  assert.equal(d.s.resolution, undefined);
  assert.equal(d.s.resolvedAt, undefined);
  assert.deepEqual(d.take(), ['record:reopened', 'notify:trigger', `setTimer:+${QUIET}`, 'act']);
});

test('invalid: resolves and records against the rule; after a resolution it only records, once', () => {
  const d = driver();
  d.open();
  d.take();
  d.send({ type: 'invalid', reason: 'test traffic' });
  assert.equal(d.s.state, 'resolved');
  assert.equal(d.s.resolution, 'invalid');
  assert.deepEqual(d.take(), ['clearTimer', 'record:invalid', 'notify:resolve']);
  d.send({ type: 'invalid', reason: 'again' });
  assert.deepEqual(d.take(), [], 'marking it twice counts once');

  const e = driver();
  e.open();
  e.advance(QUIET);
  e.send({ type: 'timer' });
  e.take();
  e.send({ type: 'invalid', reason: 'flapping probe', by: 'bo' });
  assert.equal(e.s.resolution, 'invalid');
  assert.equal(e.s.resolvedBy, 'bo');
  assert.deepEqual(e.take(), ['record:invalid'], 'no one to tell: it was already resolved');
});

const eventArb: fc.Arbitrary<IncidentEvent> = fc.oneof(
  fc.integer({ min: 0, max: 200_000 }).map((at) => ({ type: 'occurred' as const, at })),
  fc.constant({ type: 'ack' as const }),
  fc.constant({ type: 'resolve' as const, cause: 'x' }),
  fc.constant({ type: 'invalid' as const, reason: 'y' }),
  fc.constant({ type: 'sourceResolved' as const }),
  fc.constant({ type: 'timer' as const }),
);

test('invariants hold over random event sequences', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 90_000 })), { maxLength: 60 }), (steps) => {
      let now = 1_000;
      let t = openIncident(now, { now, quietMs: QUIET });
      let s = t.next;
      let occurrences = 1;
      let reopens = 0;
      let triggers = 1;
      for (const [e, dt] of steps) {
        now += dt;
        const before = s;
        t = transitionIncident(s, e, { now, quietMs: QUIET });
        s = t.next;
        if (e.type === 'occurred') occurrences++;
        if (before.state === 'resolved' && s.state === 'open') reopens++;
        triggers += t.effects.filter((f) => f.type === 'notify' && f.action === 'trigger').length;
        // live incidents always have a deadline; resolved ones never do
        assert.equal(s.quietAt !== undefined, s.state !== 'resolved');
        assert.equal(s.resolvedAt !== undefined, s.state === 'resolved');
        assert.equal(s.resolution !== undefined, s.state === 'resolved');
        assert.ok(s.count >= before.count);
        assert.ok(s.lastSeen >= before.lastSeen);
        // a timer never resolves an incident before its quiet period is over
        if (e.type === 'timer' && before.state !== 'resolved' && s.state === 'resolved') assert.ok(now >= before.quietAt!);
        // 'act' only where a trigger goes out
        assert.equal(
          t.effects.some((f) => f.type === 'act'),
          t.effects.some((f) => f.type === 'notify' && f.action === 'trigger'),
        );
      }
      assert.equal(s.count, occurrences, 'every signal is counted once');
      assert.equal(s.reopened, reopens);
      assert.equal(triggers, 1 + reopens, 'one trigger per opening');
    }),
    { numRuns: 500 },
  );
});
