import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BreakerStateChange,
  type Entry,
  type GuardRules,
  ManualClock,
  RulesError,
  type RulesDiff,
  type WouldBlockEvent,
  createGuard,
} from '../../src/index.ts';

const good: GuardRules = {
  flow: [{ id: 'orders-qps', resource: 'POST /orders', threshold: 2 }],
  breakers: [
    { id: 'inv-errors', resource: 'inventory', strategy: 'errorRatio', threshold: 0.5, minRequestAmount: 2, retryTimeoutMs: 1000 },
  ],
};

describe('guard.loadRules', () => {
  it('rejects a bad rule set with one error listing every problem and its path, and swaps nothing', () => {
    const g = createGuard({ autoSample: false, clock: new ManualClock(0), rules: good });
    const rejected: RulesError[] = [];
    g.on('rulesRejected', (e) => rejected.push(e));
    const bad = {
      flow: [
        { id: 'a', resource: 'x', threshold: -5 },
        { id: 'b', resource: 'x', threshold: 1, strategy: 'turbo' },
        { id: 'a', resource: 'y', threshold: 1 },
      ],
      breakers: [{ id: 'c', strategy: 'errorRatio', threshold: 0.5 }],
    };
    let err: unknown;
    try {
      g.loadRules(bad as GuardRules);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof RulesError);
    assert.equal(err.code, 'HOLDFAST_E_RULES');
    const paths = err.issues.map((i) => i.path.join('.'));
    assert.deepEqual(paths.sort(), ['breakers.0.resource', 'flow.0.threshold', 'flow.1.strategy', 'flow.2.id'].sort());
    assert.match(err.message, /flow\[0\]\.threshold: must be >= 0, got -5/);
    assert.match(err.message, /flow\[1\]\.strategy: unknown strategy the string "turbo"; expected one of: direct, warmUp, memoryAdaptive/);
    assert.match(err.message, /flow\[2\]\.id: duplicate id 'a' \(first used at flow\[0\]\)/);
    assert.match(err.message, /breakers\[0\]\.resource: missing required field 'resource'/);
    assert.match(err.message, /previous rules stay active/);
    assert.equal(rejected.length, 1);
    // The old rules still apply.
    assert.deepEqual(
      g.rules!.flow.map((r) => r.id),
      ['orders-qps'],
    );
    assert.equal(g.entry('POST /orders').blocked, false);
    assert.equal(g.entry('POST /orders').blocked, false);
    assert.equal(g.entry('POST /orders').blocked, true);
  });

  it('rejects wrong shapes and unknown kinds and fields', () => {
    const g = createGuard({ autoSample: false });
    const issues = (rules: unknown) => {
      try {
        g.loadRules(rules as GuardRules);
        return [];
      } catch (e) {
        return (e as RulesError).issues.map((i) => `${i.path.join('.')}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
      }
    };
    assert.match(issues(null)[0]!, /rules must be an object/);
    assert.match(issues({ flow: {} })[0]!, /flow: must be a list of rules/);
    assert.match(issues({ flows: [] })[0]!, /unknown rule kind 'flows'/);
    assert.match(issues({ flow: [42] })[0]!, /flow.0: must be an object/);
    assert.match(
      issues({ flow: [{ id: 'x', resource: 'r', treshold: 1 }] }).join('\n'),
      /flow\.0\.treshold: unknown field 'treshold' \(allowed: [^)]*\) \(did you mean 'threshold'\?\)/,
    );
    assert.match(issues({ flows: [] })[0]!, /\(did you mean 'flow'\?\)/);
    assert.match(issues({ flow: [{ id: 'x', resource: 'r', threshold: 1, strategy: 'warmup' }] }).join('\n'), /did you mean 'warmUp'\?/);
    assert.match(issues({ flow: [{ id: 'x', resource: 'r', threshold: '10' }] })[0]!, /must be a finite number, got the string "10"/);
    assert.match(issues({ system: {} })[0]!, /set at least one trigger/);
    assert.match(
      issues({ flow: [{ id: 'x', resource: 'r', threshold: 1, behavior: 'throttling', metric: 'concurrency' }] })[0]!,
      /cannot apply to metric 'concurrency'/,
    );
    assert.match(
      issues({ flow: [{ id: 'x', resource: 'r', threshold: 1, strategy: 'warmUp' }] })[0]!,
      /missing required field 'warmUpPeriodSec'/,
    );
    assert.match(
      issues({ flow: [{ id: 'x', resource: 'r', threshold: 1, relation: 'associated' }] })[0]!,
      /missing required field 'refResource'/,
    );
    assert.deepEqual(issues({ $schema: './x.json', flow: [] }), []);
  });

  it('swaps atomically, reports a diff, and keeps the state of rules that did not change', () => {
    const clock = new ManualClock(0);
    const g = createGuard({ autoSample: false, clock, rules: good });
    const changes: BreakerStateChange[] = [];
    const diffs: RulesDiff[] = [];
    g.on('breakerStateChange', (c) => changes.push(c));
    g.on('rulesSwapped', (d) => diffs.push(d));
    for (let i = 0; i < 2; i++) (g.entry('inventory') as Entry).exit({ error: new Error('boom') });
    assert.equal(g.entry('inventory').blocked, true, 'breaker open');
    const diff = g.loadRules({
      ...good,
      flow: [
        { id: 'orders-qps', resource: 'POST /orders', threshold: 5 },
        { id: 'new', resource: 'GET /x', threshold: 1 },
      ],
    });
    assert.deepEqual(diff, { added: ['new'], removed: [], changed: ['orders-qps'], unchanged: 1, system: 'none' });
    assert.deepEqual(diffs.at(-1), diff);
    assert.equal(g.entry('inventory').blocked, true, 'the unchanged breaker kept its open state');
    const d2 = g.loadRules({ flow: [] });
    assert.deepEqual(d2.removed.sort(), ['inv-errors', 'new', 'orders-qps']);
    assert.equal(g.entry('inventory').blocked, false, 'no rules, nothing blocks');
    assert.equal(changes.length, 1);
  });

  it('entries admitted under old rules exit against the rules they entered with', () => {
    const g = createGuard({ autoSample: false, rules: { isolation: [{ id: 'i', resource: 'r', maxConcurrency: 1 }] } });
    const e = g.entry('r') as Entry;
    g.loadRules({ isolation: [{ id: 'i', resource: 'r', maxConcurrency: 2 }] });
    const f = g.entry('r') as Entry;
    assert.equal(f.blocked, false);
    e.exit();
    f.exit();
    assert.equal(g.snapshot().resources.find((r) => r.resource === 'r')!.inflight, 0);
  });
});

describe('dry-run rules', () => {
  it('count and report "would block" without blocking, throttled to one report per rule per second', () => {
    const clock = new ManualClock(0);
    const warnings: object[] = [];
    const g = createGuard({
      autoSample: false,
      clock,
      logger: { info() {}, error() {}, warn: (o) => warnings.push(o) },
      rules: {
        flow: [{ id: 'dry', resource: 'r', threshold: 1, dryRun: true }],
        breakers: [{ id: 'dry-b', resource: 'r', strategy: 'consecutiveFailures', threshold: 1, dryRun: true }],
      },
    });
    const events: WouldBlockEvent[] = [];
    g.on('wouldBlock', (e) => events.push(e));
    for (let i = 0; i < 5; i++) {
      const e = g.entry('r');
      assert.equal(e.blocked, false);
      (e as Entry).exit({ error: true });
    }
    const stats = g.snapshot().resources.find((r) => r.resource === 'r')!;
    assert.equal(stats.pass, 5);
    assert.equal(stats.wouldBlock.flow, 4);
    assert.equal(stats.wouldBlock.breaker, 4, 'the dry-run breaker opened after the first failure');
    assert.deepEqual(stats.block, { flow: 0, breaker: 0, hotkey: 0, concurrency: 0, system: 0 });
    assert.deepEqual(
      events.map((e) => `${e.ruleId}:${e.count}`),
      ['dry:1', 'dry-b:1'],
    );
    clock.advance(1000);
    (g.entry('r') as Entry).exit(); // the flow window is fresh: only the (open) breaker would block
    (g.entry('r') as Entry).exit();
    // Reports carry the would-blocks counted since the last one.
    assert.deepEqual(events.map((e) => `${e.ruleId}:${e.count}`).slice(2), ['dry-b:4', 'dry:4']);
    assert.equal(warnings.filter((w) => 'count' in w).length, 4, 'one log line per report');
  });
});
