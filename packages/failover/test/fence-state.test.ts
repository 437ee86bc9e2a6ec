// The fence's decisions, on a virtual clock: when it fires, what it refuses, what it tells the agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FenceState } from '../src/fence/fence-state.ts';

test('fence state: fires when validUntil passes without a newer pet, and only then', () => {
  const f = new FenceState(5000);
  let out = f.onMessage({ t: 'arm', token: 3, validUntilMs: 1800 }, 1000);
  assert.deepEqual(out, { replies: [{ t: 'armed', token: 3 }], wakeAtMs: 1800 });
  out = f.onMessage({ t: 'pet', token: 3, validUntilMs: 2600 }, 1200);
  assert.deepEqual(out, { replies: [], wakeAtMs: 2600 });
  assert.equal(f.tick(1800).fire, undefined, 'the old validUntil no longer counts');
  out = f.tick(2600);
  assert.deepEqual(out.fire, { token: 3, reason: 'expired' });
  assert.equal(f.state.mode, 'firing');
  // A pet arriving while it tears down (the agent wakes from a pause) changes nothing.
  assert.equal(f.onMessage({ t: 'pet', token: 3, validUntilMs: 9999 }, 2601).fire, undefined);
  out = f.onFired(3, 2610, [{ resource: 'vip', ok: true, tookMs: 8 }]);
  assert.deepEqual(out.replies, [
    { t: 'fired', token: 3, reason: 'expired', atMs: 2610, results: [{ resource: 'vip', ok: true, tookMs: 8 }] },
  ]);
  assert.equal(f.state.mode as string, 'fired');
  // Fenced for token 3 for good: a later pet does not re-arm it.
  assert.equal(f.onMessage({ t: 'pet', token: 3, validUntilMs: 9999 }, 2700).wakeAtMs, null);
  assert.equal(f.state.mode as string, 'fired');
});

test('fence state: refuses stale tokens, clamps pets to maxValid, fires at once when the agent goes or a late arm comes', () => {
  const f = new FenceState(1000);
  f.onMessage({ t: 'arm', token: 5, validUntilMs: 100_000 }, 0);
  assert.equal(f.state.mode === 'armed' && f.state.validUntilMs, 1000, 'a far-future validUntil is clamped to now + maxValid');
  assert.match(JSON.stringify(f.onMessage({ t: 'pet', token: 4, validUntilMs: 500 }, 10).replies), /ignored/);
  f.onMessage({ t: 'disarm', token: 5 }, 20);
  assert.equal(f.state.mode as string, 'idle');
  const stale = f.onMessage({ t: 'arm', token: 5, validUntilMs: 900 }, 30);
  assert.match(JSON.stringify(stale.replies), /not above 5/);
  assert.equal(f.state.mode as string, 'idle');

  const late = f.onMessage({ t: 'arm', token: 6, validUntilMs: 30 }, 40);
  assert.deepEqual(late.fire, { token: 6, reason: 'late-arm' }, 'a validUntil already past fires immediately');
  f.onFired(6, 41, []);
  f.onMessage({ t: 'disarm', token: 6 }, 42);
  f.onMessage({ t: 'arm', token: 7, validUntilMs: 900 }, 50);
  const gone = f.onAgentGone(60);
  assert.deepEqual(gone.fire, { token: 7, reason: 'agent-gone' });
  assert.equal(gone.exit, true);

  const idle = new FenceState(1000);
  assert.deepEqual(idle.onAgentGone(0), { replies: [], wakeAtMs: null, exit: true }, 'nothing armed: nothing to tear down');
});

test('fence state: a disarm during teardown is answered when the teardown ends', () => {
  const f = new FenceState(1000);
  f.onMessage({ t: 'arm', token: 1, validUntilMs: 100 }, 0);
  f.tick(100);
  assert.deepEqual(f.onMessage({ t: 'disarm', token: 1 }, 101).replies, []);
  const out = f.onFired(1, 110, []);
  assert.deepEqual(
    out.replies.map((r) => r.t),
    ['fired', 'disarmed'],
  );
  assert.equal(f.state.mode as string, 'idle');
});

test('fence state (property): it never fires before the latest validUntil, and always fires once it passed', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 900 })), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 0, max: 2000 }),
      (pets, silence) => {
        const f = new FenceState(1000);
        let now = 0;
        let validUntil = Math.min(500, now + 1000);
        f.onMessage({ t: 'arm', token: 1, validUntilMs: 500 }, now);
        for (const [gap, ahead] of pets) {
          now += gap;
          const fired = f.tick(now).fire;
          if (fired) return now >= validUntil; // fired: only after validUntil
          assert.ok(now < validUntil);
          validUntil = Math.min(now + ahead, now + 1000);
          if (f.onMessage({ t: 'pet', token: 1, validUntilMs: now + ahead }, now).fire) return now >= validUntil;
        }
        now += silence;
        const fired = f.tick(now).fire !== undefined;
        return fired === now >= validUntil;
      },
    ),
  );
});
