// The process state machine, without spawning anything: every (state, event) pair, the table
// itself, the restart policy scenarios, and random event sequences against its invariants.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelay } from '../src/state/backoff.ts';
import { accepts, table, transition } from '../src/state/machine.ts';
import {
  initialState,
  PROC_EVENT_TYPES,
  PROCESS_STATES,
  SPAWN_ERRORS,
  spawnErrorKind,
  type MachineContext,
  type Policy,
  type ProcEvent,
  type ProcState,
  type ProcessStateName,
} from '../src/state/states.ts';

const policy = (over: Partial<Policy> = {}): Policy => ({
  autorestart: 'on-failure',
  exitCodes: [0],
  startRetries: 3,
  backoff: { initialMs: 1000, factor: 2, maxMs: 8000, jitter: 0, resetAfterMs: 30_000, immediateFirst: true },
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 10_000,
  readyTimeoutMs: 5_000,
  ...over,
});

/** Drives the machine with a virtual clock and records every effect. */
function driver(p: Policy = policy()) {
  let now = 1_000;
  let s = initialState(now);
  const effects: string[] = [];
  const ctx = (): MachineContext => ({ now, policy: p, random: () => 0.5 });
  return {
    get s() {
      return s;
    },
    effects,
    advance(ms: number) {
      now += ms;
    },
    send(e: ProcEvent) {
      const t = transition(s, e, ctx());
      s = t.next;
      for (const f of t.effects)
        effects.push(
          f.type === 'setTimer'
            ? `setTimer:${f.timer}:${f.ms}`
            : f.type === 'clearTimer'
              ? `clearTimer:${f.timer}`
              : f.type === 'signal'
                ? `signal:${f.signal}`
                : f.type,
        );
      return t;
    },
    take() {
      return effects.splice(0);
    },
  };
}

const sample: Record<ProcEvent['type'], ProcEvent> = {
  start: { type: 'start', manual: false },
  stop: { type: 'stop' },
  restart: { type: 'restart' },
  spawned: { type: 'spawned', pid: 42 },
  spawnFailed: { type: 'spawnFailed', error: 'spawn nope ENOENT', code: 'ENOENT' },
  ready: { type: 'ready' },
  exit: { type: 'exit', code: 1, signal: null, oom: false },
  timer: { type: 'timer', timer: 'backoff' },
  unhealthy: { type: 'unhealthy', reason: 'liveness', detail: 'GET /health timed out' },
};

function stateIn(name: ProcessStateName): ProcState {
  const base = { ...initialState(0), state: name } as ProcState;
  if (name === 'STARTING' || name === 'READY' || name === 'STOPPING') base.pid = 42;
  if (name === 'READY') base.readyAt = 0;
  if (name === 'STOPPING') Object.assign(base, { stopReason: 'stopped', afterStop: 'stay-stopped', stoppedFrom: 'READY' });
  if (name === 'BACKOFF') base.retryAt = 1000;
  return base;
}

test('the table lists exactly the legal moves', () => {
  const rows = Object.fromEntries(PROCESS_STATES.map((st) => [st, Object.keys(table[st]).sort()]));
  assert.deepEqual(rows, {
    STOPPED: ['restart', 'start'],
    EXITED: ['restart', 'start'],
    FATAL: ['restart', 'start'],
    BACKOFF: ['restart', 'start', 'stop', 'timer'],
    STARTING: ['exit', 'ready', 'restart', 'spawnFailed', 'spawned', 'stop', 'timer', 'unhealthy'],
    READY: ['exit', 'restart', 'stop', 'unhealthy'],
    STOPPING: ['exit', 'restart', 'spawnFailed', 'spawned', 'start', 'stop', 'timer'],
  });
});

test('every state × event pair either follows its row or changes nothing', () => {
  for (const st of PROCESS_STATES) {
    for (const type of PROC_EVENT_TYPES) {
      const s = stateIn(st);
      const t = transition(s, sample[type], { now: 50_000, policy: policy(), random: () => 0.5 });
      if (!accepts(st, type)) {
        assert.equal(t.next, s, `${st} + ${type} must be ignored`);
        assert.deepEqual(t.effects, []);
        continue;
      }
      assert.ok(PROCESS_STATES.includes(t.next.state), `${st} + ${type} → ${t.next.state}`);
      const hasPid = t.next.pid !== undefined;
      assert.ok(
        !hasPid || ['STARTING', 'READY', 'STOPPING'].includes(t.next.state),
        `${st} + ${type}: a pid only while a process may exist`,
      );
      assert.equal(t.next.retryAt !== undefined, t.next.state === 'BACKOFF', `${st} + ${type}: retryAt only in BACKOFF`);
      assert.equal(t.next.afterStop !== undefined, t.next.state === 'STOPPING', `${st} + ${type}: afterStop only in STOPPING`);
      assert.equal(t.next.fatalReason !== undefined, t.next.state === 'FATAL', `${st} + ${type}: fatalReason only in FATAL`);
      for (const f of t.effects) if (f.type === 'setTimer') assert.ok(f.ms >= 0);
      // A state with a pending timer clears it on the way out (unless that timer is what fired).
      const owned = { BACKOFF: 'backoff', STARTING: 'ready', STOPPING: 'stop' } as Record<string, string>;
      const timer = owned[st];
      if (timer && t.next.state !== st && !(type === 'timer' && st === 'BACKOFF') && !(type === 'timer' && st === 'STARTING')) {
        assert.ok(
          t.effects.some((f) => f.type === 'clearTimer' && f.timer === timer),
          `${st} + ${type} → ${t.next.state} must clear the ${timer} timer`,
        );
      }
    }
  }
});

test('a crash after READY restarts at once, then backs off exponentially, and FATAL comes after startRetries failed starts', () => {
  const d = driver();
  d.send({ type: 'start', manual: true });
  assert.deepEqual(d.take(), ['spawn', 'setTimer:ready:5000']);
  d.send({ type: 'spawned', pid: 10 });
  d.send({ type: 'ready' });
  assert.equal(d.s.state, 'READY');
  d.take();
  d.advance(1000);
  d.send({ type: 'exit', code: 1, signal: null, oom: false });
  assert.equal(d.s.state, 'STARTING', 'the first crash restarts immediately');
  assert.equal(d.s.restarts, 1);
  assert.deepEqual(d.take(), ['unwatchHealth', 'spawn', 'setTimer:ready:5000']);
  // Now it keeps failing before it is ready: 1 s, 2 s, 4 s, then FATAL (startRetries = 3).
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    d.send({ type: 'spawned', pid: 11 + i });
    d.send({ type: 'exit', code: 2, signal: null, oom: false });
    assert.equal(d.s.state, 'BACKOFF');
    delays.push(d.s.retryAt! - d.s.since);
    d.send({ type: 'timer', timer: 'backoff' });
    assert.equal(d.s.state, 'STARTING');
  }
  assert.deepEqual(delays, [1000, 2000, 4000]);
  d.send({ type: 'spawned', pid: 20 });
  d.send({ type: 'exit', code: 2, signal: null, oom: false });
  assert.equal(d.s.state, 'FATAL');
  assert.match(d.s.fatalReason!, /4 attempts in a row; last attempt exited with code 2/);
  // A manual start bypasses the limit and starts the counters over.
  d.send({ type: 'start', manual: true });
  assert.equal(d.s.state, 'STARTING');
  assert.equal(d.s.failedStarts, 0);
  assert.equal(d.s.crashStreak, 0);
});

test('the backoff starts over after a healthy period', () => {
  const d = driver();
  const crashAfter = (uptime: number) => {
    d.send({ type: 'spawned', pid: 1 });
    d.send({ type: 'ready' });
    d.advance(uptime);
    d.send({ type: 'exit', code: 1, signal: null, oom: false });
    if (d.s.state === 'BACKOFF') {
      const delay = d.s.retryAt! - d.s.since;
      d.advance(delay);
      d.send({ type: 'timer', timer: 'backoff' });
      return delay;
    }
    return 0;
  };
  d.send({ type: 'start', manual: true });
  assert.deepEqual([crashAfter(100), crashAfter(100), crashAfter(100), crashAfter(100)], [0, 1000, 2000, 4000]);
  assert.deepEqual([crashAfter(30_000), crashAfter(100)], [0, 1000], 'READY for resetAfterMs: the next crash is a first crash again');
  assert.deepEqual([crashAfter(100), crashAfter(100), crashAfter(100)], [2000, 4000, 8000]);
  assert.equal(crashAfter(100), 8000, 'capped at maxMs');
});

test('backoff delays: immediate first, factor, cap, jitter within its fraction', () => {
  const b = { initialMs: 100, factor: 3, maxMs: 1000, jitter: 0.2, resetAfterMs: 1, immediateFirst: true };
  assert.equal(
    backoffDelay(1, b, () => 0.99),
    0,
  );
  assert.equal(
    backoffDelay(2, b, () => 0.5),
    100,
  );
  assert.equal(
    backoffDelay(3, b, () => 0.5),
    300,
  );
  assert.equal(
    backoffDelay(9, b, () => 0.5),
    1000,
  );
  assert.equal(
    backoffDelay(2, b, () => 0),
    80,
  );
  assert.equal(
    backoffDelay(2, b, () => 0.999999),
    120,
  );
  assert.equal(
    backoffDelay(1, { ...b, immediateFirst: false }, () => 0.5),
    100,
  );
});

test('a spawn error that retrying cannot fix goes straight to FATAL with the error, no restart loop', () => {
  for (const code of [undefined, ...Object.keys(SPAWN_ERRORS).filter((c) => SPAWN_ERRORS[c] === 'fatal')]) {
    const d = driver();
    d.send({ type: 'start', manual: false });
    d.take();
    d.send({ type: 'spawnFailed', error: `spawn /no/such ${code ?? '(preflight)'}`, ...(code ? { code } : {}) });
    assert.equal(d.s.state, 'FATAL', String(code));
    assert.equal(d.s.lastExit!.reason, 'spawn-error');
    assert.match(d.s.fatalReason!, new RegExp(`could not start: spawn /no/such ${code ?? ''}`));
    assert.deepEqual(d.take(), ['clearTimer:ready']);
  }
});

test('a spawn error that can pass (EAGAIN, EMFILE, ENFILE, ENOMEM, ...) backs off and retries, never at once, never FATAL', () => {
  const retrying = Object.keys(SPAWN_ERRORS).filter((c) => SPAWN_ERRORS[c] === 'retry');
  for (const c of ['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM']) assert.ok(retrying.includes(c), c);
  assert.equal(spawnErrorKind('EWHATEVER'), 'retry', 'an unknown code retries');
  for (const code of retrying) {
    const d = driver();
    d.send({ type: 'start', manual: false });
    d.take();
    d.send({ type: 'spawnFailed', error: `spawn node ${code}`, code });
    assert.equal(d.s.state, 'BACKOFF', code);
    assert.equal(d.s.failedStarts, 0, 'the program never ran: not a failed start');
    assert.equal(d.s.lastExit!.reason, 'spawn-error');
    assert.equal(d.s.retryAt! - d.s.since, 1000, `${code}: the first retry waits initialMs (immediateFirst does not apply)`);
    assert.deepEqual(d.take(), ['clearTimer:ready', 'setTimer:backoff:1000']);
    // The descriptors come back: the next attempt runs.
    d.advance(1000);
    d.send({ type: 'timer', timer: 'backoff' });
    assert.equal(d.s.state, 'STARTING');
    d.send({ type: 'spawned', pid: 9 });
    d.send({ type: 'ready' });
    assert.equal(d.s.state, 'READY');
  }
  // Exhausted for a long time: the delay grows to maxMs, the retries go on (startRetries is 3).
  const d = driver();
  d.send({ type: 'start', manual: false });
  const delays: number[] = [];
  for (let i = 0; i < 20; i++) {
    d.send({ type: 'spawnFailed', error: 'spawn node EMFILE', code: 'EMFILE' });
    assert.equal(d.s.state, 'BACKOFF');
    delays.push(d.s.retryAt! - d.s.since);
    d.send({ type: 'timer', timer: 'backoff' });
  }
  assert.deepEqual(delays.slice(0, 5), [1000, 2000, 4000, 8000, 8000]);
  assert.ok(delays.every((x) => x <= 8000));
  // A failed start after such a shortage still counts as usual.
  d.send({ type: 'spawned', pid: 3 });
  d.send({ type: 'exit', code: 1, signal: null, oom: false });
  assert.equal(d.s.failedStarts, 1);
});

test('stop signals, escalates to SIGKILL after stopTimeoutMs, and records how it ended', () => {
  const d = driver(policy({ stopSignal: 'SIGINT' }));
  d.send({ type: 'start', manual: true });
  d.send({ type: 'spawned', pid: 7 });
  d.send({ type: 'ready' });
  d.take();
  d.send({ type: 'stop' });
  assert.equal(d.s.state, 'STOPPING');
  assert.deepEqual(d.take(), ['unwatchHealth', 'signal:SIGINT', 'setTimer:stop:10000']);
  d.send({ type: 'timer', timer: 'stop' });
  assert.deepEqual(d.take(), ['kill']);
  d.send({ type: 'timer', timer: 'stop' });
  assert.deepEqual(d.take(), [], 'one escalation only');
  d.send({ type: 'exit', code: null, signal: 'SIGKILL', oom: false });
  assert.equal(d.s.state, 'STOPPED');
  assert.equal(d.s.lastExit!.reason, 'stop-timeout');
  assert.equal(d.s.pid, undefined);
});

test('restart stops then starts, counting a restart; a stop during it cancels the start', () => {
  const d = driver();
  d.send({ type: 'start', manual: true });
  d.send({ type: 'spawned', pid: 7 });
  d.send({ type: 'ready' });
  d.send({ type: 'restart' });
  d.send({ type: 'exit', code: null, signal: 'SIGTERM', oom: false });
  assert.equal(d.s.state, 'STARTING');
  assert.equal(d.s.restarts, 1);
  assert.equal(d.s.lastExit!.reason, 'stopped');
  d.send({ type: 'spawned', pid: 8 });
  d.send({ type: 'restart' });
  d.send({ type: 'stop' });
  d.send({ type: 'exit', code: 0, signal: null, oom: false });
  assert.equal(d.s.state, 'STOPPED');
});

test('no readiness proof in time: stopped and counted as a failed start', () => {
  const d = driver();
  d.send({ type: 'start', manual: true });
  d.send({ type: 'spawned', pid: 7 });
  d.take();
  d.send({ type: 'timer', timer: 'ready' });
  assert.equal(d.s.state, 'STOPPING');
  assert.deepEqual(d.take(), ['unwatchReady', 'signal:SIGTERM', 'setTimer:stop:10000']);
  d.send({ type: 'exit', code: null, signal: 'SIGTERM', oom: false });
  assert.equal(d.s.lastExit!.reason, 'ready-timeout');
  assert.equal(d.s.failedStarts, 1);
  assert.equal(d.s.state, 'STARTING', 'first failure restarts at once');
});

test('a failed liveness probe restarts the program; with autorestart never it stays EXITED', () => {
  for (const [autorestart, expected] of [
    ['on-failure', 'STARTING'],
    ['never', 'EXITED'],
  ] as const) {
    const d = driver(policy({ autorestart }));
    d.send({ type: 'start', manual: true });
    d.send({ type: 'spawned', pid: 7 });
    d.send({ type: 'ready' });
    d.send({ type: 'unhealthy', reason: 'liveness', detail: 'timed out' });
    assert.equal(d.s.state, 'STOPPING');
    d.send({ type: 'exit', code: null, signal: 'SIGTERM', oom: false });
    assert.equal(d.s.state, expected);
    assert.equal(d.s.lastExit!.reason, 'liveness');
  }
});

test('an OOM kill is reported as such and counted', () => {
  const d = driver();
  d.send({ type: 'start', manual: true });
  d.send({ type: 'spawned', pid: 7 });
  d.send({ type: 'ready' });
  d.send({ type: 'exit', code: null, signal: 'SIGKILL', oom: true });
  assert.equal(d.s.lastExit!.reason, 'oom');
  assert.equal(d.s.oomKills, 1);
  assert.equal(d.s.state, 'STARTING');
});

test('a heap-limit exit keeps its advice; an OOM kill wins over a heap abort; other exits carry no such detail', () => {
  const exitWith = (e: { signal: string; oom: boolean; heapLimit?: boolean; detail?: string }) => {
    const d = driver();
    d.send({ type: 'start', manual: true });
    d.send({ type: 'spawned', pid: 7 });
    d.send({ type: 'ready' });
    d.send({ type: 'exit', code: null, ...e });
    return d.s.lastExit!;
  };
  const heap = exitWith({ signal: 'SIGABRT', oom: false, heapLimit: true, detail: 'the V8 heap filled its 128 MiB old space' });
  assert.equal(heap.reason, 'heap-limit');
  assert.equal(heap.detail, 'the V8 heap filled its 128 MiB old space');
  const oom = exitWith({ signal: 'SIGKILL', oom: true, heapLimit: true, detail: 'x' });
  assert.equal(oom.reason, 'oom');
  assert.equal(oom.detail, undefined);
  assert.equal(exitWith({ signal: 'SIGABRT', oom: false, detail: 'x' }).detail, undefined);
});

test('autorestart and exitCodes decide what an exit means', () => {
  const run = (p: Partial<Policy>, code: number, signal: string | null = null) => {
    const d = driver(policy(p));
    d.send({ type: 'start', manual: true });
    d.send({ type: 'spawned', pid: 7 });
    d.send({ type: 'ready' });
    d.send({ type: 'exit', code: signal ? null : code, signal, oom: false });
    return d.s.state;
  };
  assert.equal(run({ autorestart: 'on-failure' }, 0), 'EXITED');
  assert.equal(run({ autorestart: 'on-failure' }, 3), 'STARTING');
  assert.equal(run({ autorestart: 'on-failure', exitCodes: [0, 3] }, 3), 'EXITED');
  assert.equal(run({ autorestart: 'on-failure' }, 0, 'SIGSEGV'), 'STARTING', 'a signal is never an expected exit');
  assert.equal(run({ autorestart: 'always' }, 0), 'STARTING');
  assert.equal(run({ autorestart: 'never' }, 3), 'EXITED');
});

test('a one-shot program that exits successfully before its proof is EXITED, not failing', () => {
  const d = driver();
  d.send({ type: 'start', manual: true });
  d.send({ type: 'spawned', pid: 7 });
  d.send({ type: 'exit', code: 0, signal: null, oom: false });
  assert.equal(d.s.state, 'EXITED');
  assert.equal(d.s.failedStarts, 0);
});

test('stop during BACKOFF cancels the pending start', () => {
  const d = driver();
  d.send({ type: 'start', manual: true });
  d.send({ type: 'spawned', pid: 7 });
  d.send({ type: 'exit', code: 1, signal: null, oom: false });
  d.send({ type: 'spawned', pid: 8 });
  d.send({ type: 'exit', code: 1, signal: null, oom: false });
  assert.equal(d.s.state, 'BACKOFF');
  d.take();
  d.send({ type: 'stop' });
  assert.equal(d.s.state, 'STOPPED');
  assert.deepEqual(d.take(), ['clearTimer:backoff']);
  d.send({ type: 'timer', timer: 'backoff' });
  assert.equal(d.s.state, 'STOPPED', 'a late timer changes nothing');
});

test('random event sequences keep the invariants', () => {
  const event = fc.oneof(
    fc.constantFrom<ProcEvent>(
      sample.start,
      { type: 'start', manual: true },
      sample.stop,
      sample.restart,
      sample.ready,
      sample.spawnFailed,
      { type: 'spawnFailed', error: 'spawn node EMFILE', code: 'EMFILE' },
      sample.unhealthy,
    ),
    fc.integer({ min: 1, max: 99999 }).map((pid): ProcEvent => ({ type: 'spawned', pid })),
    fc
      .record({
        code: fc.option(fc.integer({ min: 0, max: 3 })),
        signal: fc.option(fc.constantFrom('SIGTERM', 'SIGKILL')),
        oom: fc.boolean(),
      })
      .map((x): ProcEvent => ({ type: 'exit', ...x })),
    fc.constantFrom('backoff', 'ready', 'stop').map((timer): ProcEvent => ({ type: 'timer', timer: timer as 'backoff' })),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(event, fc.integer({ min: 0, max: 40_000 })), { maxLength: 60 }), (steps) => {
      let s = initialState(0);
      let now = 0;
      for (const [e, dt] of steps) {
        now += dt;
        const t = transition(s, e, { now, policy: policy(), random: Math.random });
        s = t.next;
        if (!PROCESS_STATES.includes(s.state)) return false;
        if (s.failedStarts < 0 || s.crashStreak < 0 || s.restarts < 0) return false;
        if (s.failedStarts > 4) return false; // startRetries + 1 at most (then FATAL)
        if (s.state === 'FATAL' && !s.fatalReason) return false;
        if (s.pid !== undefined && !['STARTING', 'READY', 'STOPPING'].includes(s.state)) return false;
        if (t.effects.filter((f) => f.type === 'spawn').length > 1) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
});
