import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BreakerChecker, type BreakerStateChange } from '../../src/breaker/checker.ts';
import { type BreakerRule, validateBreakerRule } from '../../src/breaker/rule.ts';
import { ManualClock } from '../../src/clock.ts';
import { Issues } from '../../src/rule-fields.ts';
import { BLOCKED, PASS, PROBE } from '../../src/verdict.ts';

function make(overrides: Partial<BreakerRule> = {}) {
  const issues = new Issues();
  const rule = validateBreakerRule(
    {
      id: 'b',
      resource: 'r',
      strategy: 'errorRatio',
      threshold: 0.5,
      minRequestAmount: 4,
      statIntervalMs: 1000,
      retryTimeoutMs: 1000,
      ...overrides,
    },
    [],
    issues,
  );
  assert.deepEqual(issues.list, []);
  const changes: BreakerStateChange[] = [];
  const clock = new ManualClock(10_000);
  const b = new BreakerChecker(rule, (c) => changes.push(c));
  return { b, changes, clock, rule };
}

/** Admits one call (committing a probe when the verdict says so) and returns [verdict, startedAt]. */
function admit(b: BreakerChecker, now: number): [number, number] {
  const v = b.check(now);
  if (v === PROBE) b.admitProbe(now);
  return [v, now];
}

function complete(b: BreakerChecker, now: number, error: boolean, [verdict, startedAt]: [number, number], rt = 1): void {
  if (verdict === PROBE) b.onProbeComplete(now, rt, error, startedAt);
  else b.onComplete(now, rt, error);
}

/** Drives a breaker from closed to open with `n` errors. */
function trip(b: BreakerChecker, clock: ManualClock, n = 4): void {
  for (let i = 0; i < n; i++) complete(b, clock.now(), true, admit(b, clock.now()));
}

const summary = (c: BreakerStateChange) => `${c.from}->${c.to}:${c.reason}`;

describe('Breaker state machine (fake clock)', () => {
  it('stays closed below minRequestAmount however bad the calls are, and opens when the ratio reaches the threshold', () => {
    const { b, changes, clock } = make();
    for (let i = 0; i < 3; i++) complete(b, clock.now(), true, admit(b, clock.now()));
    assert.equal(b.stateAt(clock.now()), 'closed');
    complete(b, clock.now(), false, admit(b, clock.now())); // 3 errors / 4 calls = 0.75
    assert.equal(b.stateAt(clock.now()), 'open');
    assert.deepEqual(changes.map(summary), ['closed->open:threshold']);
    assert.equal(changes[0]!.value, 0.75);
    assert.equal(changes[0]!.retryAt, clock.now() + 1000);
  });

  it('opens exactly at the ratio threshold (>=) and not just below it', () => {
    const below = make({ threshold: 0.6 });
    for (const e of [true, false, true, false]) complete(below.b, 0, e, admit(below.b, 0));
    assert.equal(below.b.stateAt(0), 'closed');
    const at = make({ threshold: 0.5 });
    for (const e of [true, false, true, false]) complete(at.b, 0, e, admit(at.b, 0));
    assert.equal(at.b.stateAt(0), 'open');
  });

  it('forgets failures that slid out of the statistics window', () => {
    const { b, clock } = make();
    for (let i = 0; i < 3; i++) complete(b, clock.now(), true, admit(b, clock.now()));
    clock.advance(1000);
    for (let i = 0; i < 3; i++) complete(b, clock.now(), false, admit(b, clock.now()));
    complete(b, clock.now(), true, admit(b, clock.now()));
    assert.equal(b.stateAt(clock.now()), 'closed', '1 error of 4 in the current window');
  });

  it('blocks while open, admits a probe once the retry timeout passed, and moves to halfOpen only when the probe is committed', () => {
    const { b, changes, clock } = make();
    trip(b, clock);
    clock.advance(999);
    assert.equal(b.check(clock.now()), BLOCKED);
    assert.equal(b.retryAfterMs(clock.now()), 1);
    clock.advance(1);
    assert.equal(b.check(clock.now()), PROBE);
    assert.equal(b.stateAt(clock.now()), 'open', 'check() alone does not transition: a later rule may still block the call');
    b.admitProbe(clock.now());
    assert.equal(b.stateAt(clock.now()), 'halfOpen');
    assert.deepEqual(changes.map(summary), ['closed->open:threshold', 'open->halfOpen:retryTimeout']);
  });

  it('admits exactly probeNum probes while half-open and closes when probeSuccessThreshold succeed', () => {
    const { b, changes, clock } = make({ probeNum: 3 });
    trip(b, clock);
    clock.advance(1000);
    const probes = [admit(b, clock.now()), admit(b, clock.now()), admit(b, clock.now())];
    assert.deepEqual(
      probes.map((p) => p[0]),
      [PROBE, PROBE, PROBE],
    );
    assert.equal(b.check(clock.now()), BLOCKED, 'a fourth concurrent call is blocked');
    complete(b, clock.now(), false, probes[0]!);
    complete(b, clock.now(), false, probes[1]!);
    assert.equal(b.stateAt(clock.now()), 'halfOpen', 'two of three probes are not enough');
    complete(b, clock.now(), false, probes[2]!);
    assert.equal(b.stateAt(clock.now()), 'closed');
    assert.deepEqual(changes.map(summary).slice(-1), ['halfOpen->closed:probesSucceeded']);
  });

  it('closes with fresh statistics: the failures that opened it cannot reopen it', () => {
    const { b, clock } = make();
    trip(b, clock);
    clock.advance(1000);
    complete(b, clock.now(), false, admit(b, clock.now()));
    assert.equal(b.stateAt(clock.now()), 'closed');
    complete(b, clock.now(), true, admit(b, clock.now()));
    assert.equal(b.stateAt(clock.now()), 'closed');
  });

  it('tolerates probeNum - probeSuccessThreshold failed probes and reopens on one more', () => {
    const { b, changes, clock } = make({ probeNum: 4, probeSuccessThreshold: 3 });
    trip(b, clock);
    clock.advance(1000);
    const p = [0, 1, 2, 3].map(() => admit(b, clock.now()));
    complete(b, clock.now(), true, p[0]!);
    assert.equal(b.stateAt(clock.now()), 'halfOpen');
    complete(b, clock.now(), true, p[1]!);
    assert.equal(b.stateAt(clock.now()), 'open');
    assert.equal(changes.at(-1)!.reason, 'probeFailed');
    // The remaining probes of the failed episode complete later and change nothing.
    complete(b, clock.now(), false, p[2]!);
    complete(b, clock.now(), false, p[3]!);
    assert.equal(b.stateAt(clock.now()), 'open');
  });

  it('backs off exponentially on each reopening, up to the cap, and resets the backoff on close', () => {
    const { b, changes, clock } = make({ backoffMultiplier: 2, maxRetryTimeoutMs: 5000 });
    trip(b, clock);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const retryAt = changes.at(-1)!.retryAt!;
      waits.push(retryAt - clock.now());
      clock.set(retryAt);
      complete(b, clock.now(), true, admit(b, clock.now()));
    }
    waits.push(changes.at(-1)!.retryAt! - clock.now());
    assert.deepEqual(waits, [1000, 2000, 4000, 5000, 5000]);
    clock.set(changes.at(-1)!.retryAt!);
    complete(b, clock.now(), false, admit(b, clock.now()));
    assert.equal(b.stateAt(clock.now()), 'closed');
    trip(b, clock);
    assert.equal(changes.at(-1)!.retryAt! - clock.now(), 1000, 'backoff starts over after a close');
  });

  it('reopens a half-open episode whose probe never returns, so it cannot stick half-open', () => {
    const { b, changes, clock } = make({ probeTimeoutMs: 3000 });
    trip(b, clock);
    clock.advance(1000);
    const lost = admit(b, clock.now());
    assert.equal(lost[0], PROBE);
    clock.advance(2999);
    assert.equal(b.check(clock.now()), BLOCKED, 'the probe slot is still taken');
    assert.equal(b.stateAt(clock.now()), 'halfOpen');
    clock.advance(1);
    assert.equal(b.stateAt(clock.now()), 'open');
    assert.deepEqual(changes.map(summary).slice(-1), ['halfOpen->open:probeTimeout']);
    // The lost probe finally returns successfully, in the next episode: it must not count.
    clock.advance(1000);
    const next = admit(b, clock.now());
    assert.equal(next[0], PROBE);
    complete(b, clock.now(), false, lost, 5000);
    assert.equal(b.stateAt(clock.now()), 'halfOpen', 'a probe of an ended episode is ignored');
    complete(b, clock.now(), false, next);
    assert.equal(b.stateAt(clock.now()), 'closed');
  });

  it('applies the probe timeout lazily on the next check too, not only when asked for the state', () => {
    const { b, changes, clock } = make({ probeTimeoutMs: 500 });
    trip(b, clock);
    clock.advance(1000);
    admit(b, clock.now());
    clock.advance(500);
    assert.equal(b.check(clock.now()), BLOCKED);
    assert.equal(changes.at(-1)!.reason, 'probeTimeout');
    assert.equal(changes.at(-1)!.retryAt, clock.now() + 1000);
  });

  it('rolls back to open when its only probe is cancelled before running, and admits the next probe at once', () => {
    const { b, changes, clock } = make();
    trip(b, clock);
    clock.advance(1000);
    const [, started] = admit(b, clock.now());
    b.cancelProbe(clock.now(), started);
    assert.equal(b.stateAt(clock.now()), 'open');
    assert.deepEqual(changes.map(summary).slice(-2), ['open->halfOpen:retryTimeout', 'halfOpen->open:probeCancelled']);
    assert.equal(b.check(clock.now()), PROBE, 'the retry timeout is not restarted by a rollback');
  });

  it('stays half-open when a cancelled probe leaves others running', () => {
    const { b, clock } = make({ probeNum: 2 });
    trip(b, clock);
    clock.advance(1000);
    const a = admit(b, clock.now());
    const c = admit(b, clock.now());
    b.cancelProbe(clock.now(), a[1]);
    assert.equal(b.stateAt(clock.now()), 'halfOpen');
    assert.equal(b.check(clock.now()), PROBE, 'the cancelled slot is free again');
    complete(b, clock.now(), false, c);
    assert.equal(b.stateAt(clock.now()), 'halfOpen', 'probeSuccessThreshold is 2');
  });

  it('ignores completions of calls admitted before it opened', () => {
    const { b, clock } = make();
    const early = admit(b, clock.now());
    trip(b, clock);
    clock.advance(1000);
    const probe = admit(b, clock.now());
    complete(b, clock.now(), true, early);
    assert.equal(b.stateAt(clock.now()), 'halfOpen', 'a non-probe failure does not fail the episode');
    complete(b, clock.now(), false, probe);
    assert.equal(b.stateAt(clock.now()), 'closed');
  });

  it('errorCount opens at `threshold` errors in the window once minRequestAmount calls were seen', () => {
    const { b, clock } = make({ strategy: 'errorCount', threshold: 3, minRequestAmount: 5 });
    for (const e of [true, true, true, false]) complete(b, clock.now(), e, admit(b, clock.now()));
    assert.equal(b.stateAt(clock.now()), 'closed', '4 calls < minRequestAmount');
    complete(b, clock.now(), false, admit(b, clock.now()));
    assert.equal(b.stateAt(clock.now()), 'open');
  });

  it('consecutiveFailures opens after `threshold` failures in a row; a success resets the run', () => {
    const { b, clock } = make({ strategy: 'consecutiveFailures', threshold: 3, minRequestAmount: 0 });
    for (const e of [true, true, false, true, true]) complete(b, clock.now(), e, admit(b, clock.now()));
    assert.equal(b.stateAt(clock.now()), 'closed');
    complete(b, clock.now(), true, admit(b, clock.now()));
    assert.equal(b.stateAt(clock.now()), 'open');
  });

  it('slowRequestRatio counts calls over maxAllowedRtMs, and a slow probe fails the episode', () => {
    const { b, changes, clock } = make({ strategy: 'slowRequestRatio', threshold: 0.5, maxAllowedRtMs: 100 });
    for (const rt of [150, 20, 101, 30]) complete(b, clock.now(), false, admit(b, clock.now()), rt);
    assert.equal(b.stateAt(clock.now()), 'open');
    clock.advance(1000);
    complete(b, clock.now(), false, admit(b, clock.now()), 250);
    assert.equal(changes.at(-1)!.reason, 'probeFailed');
    clock.advance(1000);
    complete(b, clock.now(), true, admit(b, clock.now()), 5);
    assert.equal(b.stateAt(clock.now()), 'closed', 'slowRequestRatio judges probes by time, not by error');
  });

  it('forcedOpen blocks everything and disabled passes everything, neither reacting to completions', () => {
    const forced = make({ mode: 'forcedOpen' });
    assert.equal(forced.b.check(0), BLOCKED);
    assert.equal(forced.b.stateAt(0), 'open');
    complete(forced.b, 0, false, [PASS, 0]);
    assert.equal(forced.b.check(1e9), BLOCKED);
    const disabled = make({ mode: 'disabled' });
    for (let i = 0; i < 100; i++) complete(disabled.b, 0, true, admit(disabled.b, 0));
    assert.equal(disabled.b.check(0), PASS);
    assert.equal(disabled.b.stateAt(0), 'closed');
    assert.deepEqual([...forced.changes, ...disabled.changes], []);
  });

  it('keeps its invariants under any sequence of calls, completions, cancellations and clock moves', () => {
    type Op =
      { k: 'advance'; ms: number } | { k: 'admit' } | { k: 'complete'; i: number; error: boolean; rt: number } | { k: 'cancel'; i: number };
    // Weighted so that runs trip, probe, time out and close often (uniform ops would rarely
    // fit four failures into one window before the clock jumps past it).
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 2, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 50 }) }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 500, max: 4000 }) }) },
      { weight: 4, arbitrary: fc.record({ k: fc.constant('admit' as const) }) },
      {
        weight: 4,
        arbitrary: fc.record({
          k: fc.constant('complete' as const),
          i: fc.nat(),
          error: fc.boolean(),
          rt: fc.integer({ min: 0, max: 300 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), i: fc.nat() }) },
    );
    let halfOpens = 0;
    fc.assert(
      fc.property(
        fc.constantFrom<Partial<BreakerRule>>(
          { strategy: 'errorRatio', threshold: 0.5 },
          { strategy: 'errorCount', threshold: 2, minRequestAmount: 0 },
          { strategy: 'consecutiveFailures', threshold: 2 },
          { strategy: 'slowRequestRatio', threshold: 0.3, maxAllowedRtMs: 100 },
        ),
        fc.integer({ min: 1, max: 3 }),
        fc.array(opArb, { minLength: 20, maxLength: 200, size: 'max' }),
        (shape, probeNum, ops) => {
          const { b, changes, clock } = make({ ...shape, probeNum, probeTimeoutMs: 2500, backoffMultiplier: 2, maxRetryTimeoutMs: 8000 });
          const inflight: [number, number][] = [];
          let probesThisEpisode = 0;
          for (const op of ops) {
            const before = changes.length;
            if (op.k === 'advance') clock.advance(op.ms);
            else if (op.k === 'admit') {
              const stateBefore = b.stateAt(clock.now());
              const a = admit(b, clock.now());
              if (a[0] !== BLOCKED) inflight.push(a);
              if (stateBefore === 'closed') assert.equal(a[0], PASS, 'closed admits without probing');
              if (stateBefore === 'open') assert.notEqual(a[0], PASS, 'open never admits a plain call');
              if (a[0] === PROBE) probesThisEpisode++;
            } else if (inflight.length) {
              const [a] = inflight.splice(op.i % inflight.length, 1);
              if (op.k === 'complete') complete(b, clock.now(), op.error, a!, op.rt);
              else if (a![0] === PROBE) {
                b.cancelProbe(clock.now(), a![1]);
                probesThisEpisode--;
              }
            }
            const state = b.stateAt(clock.now());
            for (const c of changes.slice(before)) {
              if (c.to === 'halfOpen') {
                probesThisEpisode = 1;
                halfOpens++;
              }
            }
            if (state === 'halfOpen') assert.ok(probesThisEpisode <= probeNum, `at most ${probeNum} probes per episode`);
            if (state !== 'halfOpen') probesThisEpisode = 0;
          }
          // Every change starts where the previous one ended, and no transition repeats a state.
          for (let i = 0; i < changes.length; i++) {
            assert.notEqual(changes[i]!.from, changes[i]!.to);
            if (i > 0) assert.equal(changes[i]!.from, changes[i - 1]!.to);
            // A rollback keeps the old retry time (already passed) so the next call may probe at once.
            if (changes[i]!.to === 'open' && changes[i]!.reason !== 'probeCancelled')
              assert.ok(changes[i]!.retryAt! >= changes[i]!.at, 'an opening schedules its retry in the future');
            if (i > 0) assert.ok(changes[i]!.at >= changes[i - 1]!.at, 'changes are in time order');
          }
          // Never half-open past the probe timeout.
          const last = changes.at(-1);
          if (last?.to === 'halfOpen') assert.ok(clock.now() - last.at < 2500, 'never half-open past probeTimeoutMs');
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(halfOpens > 100, `the generator must reach half-open often enough to test it (reached ${halfOpens} times)`);
  });
});

describe('validateBreakerRule', () => {
  it('reports every problem of a bad rule at once, with paths', () => {
    const issues = new Issues();
    validateBreakerRule(
      {
        id: 'x',
        strategy: 'errorRatio',
        threshold: 1.5,
        retryTimeoutMs: -1,
        probeNum: 2,
        probeSuccessThreshold: 3,
        maxAllowedRtMs: 5,
        bogus: 1,
      },
      ['breakers', 0],
      issues,
    );
    const paths = issues.list.map((i) => i.path.join('.')).sort();
    assert.deepEqual(
      paths,
      [
        'breakers.0.bogus',
        'breakers.0.maxAllowedRtMs',
        'breakers.0.probeSuccessThreshold',
        'breakers.0.resource',
        'breakers.0.retryTimeoutMs',
        'breakers.0.threshold',
      ].sort(),
    );
  });

  it('requires maxAllowedRtMs for slowRequestRatio and an integer count for count strategies', () => {
    const issues = new Issues();
    validateBreakerRule({ id: 'a', resource: 'r', strategy: 'slowRequestRatio', threshold: 0.5 }, [], issues);
    validateBreakerRule({ id: 'b', resource: 'r', strategy: 'errorCount', threshold: 2.5 }, [], issues);
    validateBreakerRule({ id: 'c', resource: 'r', strategy: 'nope', threshold: 1 }, [], issues);
    assert.deepEqual(
      issues.list.map((i) => i.path.join('.')),
      ['maxAllowedRtMs', 'threshold', 'strategy'],
    );
  });
});
