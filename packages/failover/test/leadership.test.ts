// The leadership state machine on virtual time against the fake coordinator: every scenario
// ends with the safety checker (no action outside the server's lease for that token, demotions
// and fence pets within it, tokens increasing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './support/sim.ts';
import { NotLeaderError } from '../src/errors.ts';

const TTL = 1000;

async function elect(sim: Sim, ms = 500) {
  sim.start();
  await sim.vt.advance(ms);
  const leaders = sim.leaders();
  assert.equal(leaders.length, 1, `expected one leader, got ${leaders.map((n) => n.name).join(', ') || 'none'}`);
  return leaders[0]!;
}

test('a single healthy node wins, acts, and keeps leadership while keep-alives are acknowledged', async () => {
  const sim = new Sim({ ttlMs: TTL });
  const a = sim.add('a');
  const leader = await elect(sim);
  assert.equal(leader, a);
  await sim.vt.advance(10 * TTL);
  assert.equal(a.leadership.role, 'leader');
  assert.equal(a.leadership.term?.token, 1);
  assert.ok(sim.actions.length > 500, `acted ${sim.actions.length} times`);
  assert.equal(a.refused, 0);
  assert.deepEqual(sim.violations(), []);
});

test('of three nodes exactly one leads; the others never pass assertLeader()', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('a');
  sim.add('b');
  sim.add('c');
  const leader = await elect(sim);
  for (const n of sim.nodes) {
    if (n === leader) continue;
    assert.throws(
      () => n.leadership.assertLeader(),
      (e: unknown) => e instanceof NotLeaderError && e.code === 'HOLDFAST_E_NOT_LEADER',
    );
  }
  await sim.vt.advance(5 * TTL);
  assert.deepEqual(new Set(sim.actions.map((x) => x.node)), new Set([leader.name]));
  assert.deepEqual(sim.violations(), []);
});

test('a crashed leader (frozen for good) is replaced after its lease expires, with a higher token', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('a');
  sim.add('b');
  sim.add('c');
  const old = await elect(sim);
  const crashAt = sim.vt.now;
  old.clock.freeze(1e9);
  old.down = true;
  await sim.vt.advance(3 * TTL);
  const now = sim.leaders();
  assert.equal(now.length, 1);
  assert.notEqual(now[0], old);
  const took = sim.server.terms.at(-1)!.start - crashAt;
  assert.ok(took <= TTL + 300, `new leader after ${took} ms`);
  assert.ok(now[0]!.leadership.term!.token > 1);
  assert.deepEqual(sim.violations(), []);
});

test('lost keep-alives: a leader whose renewals stop being acknowledged demotes before its record can expire', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('a');
  sim.add('b');
  const old = await elect(sim);
  sim.server.link(old.name).loss = 1; // every request and response from now on is lost
  await sim.vt.advance(3 * TTL);
  const demoted = old.events.find((e) => e.type === 'demoted');
  assert.ok(
    demoted && demoted.type === 'demoted' && demoted.reason === 'renew-timeout' && demoted.beforeDeadline,
    JSON.stringify(old.events.slice(-5)),
  );
  const rec = sim.server.terms.find((r) => r.node === old.name)!;
  assert.equal(rec.how, 'expired');
  assert.ok(sim.demotions.find((d) => d.node === old.name)!.at < rec.end);
  assert.equal(sim.leaders().length, 1);
  assert.deepEqual(sim.violations(), []);
});

test('a partitioned leader stops acting before the survivors elect a new one, and rejoins as a follower', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('a');
  sim.add('b');
  sim.add('c');
  const old = await elect(sim);
  sim.server.partition(old.name, true);
  await sim.vt.advance(3 * TTL);
  const lastOldAction = Math.max(...sim.actions.filter((x) => x.node === old.name).map((x) => x.at));
  const next = sim.server.terms.at(-1)!;
  assert.notEqual(next.node, old.name);
  assert.ok(lastOldAction < next.start, `old leader acted at ${lastOldAction}, new term began ${next.start}`);
  sim.server.partition(old.name, false);
  await sim.vt.advance(3 * TTL);
  assert.equal(old.leadership.role, 'follower');
  assert.equal(sim.leaders().length, 1);
  assert.deepEqual(sim.violations(), []);
});

test('a leader paused longer than the TTL wakes to refused actions and demotes; the new leader had already taken over', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('a');
  sim.add('b');
  const old = await elect(sim);
  const refusedBefore = old.refused;
  old.clock.freeze(3 * TTL);
  await sim.vt.advance(3 * TTL + 1);
  // Thawed: what was due runs now; every action must be refused.
  await sim.vt.advance(200);
  assert.ok(old.refused > refusedBefore, 'the woken leader tried to act and was refused');
  assert.ok(
    old.events.some((e) => e.type === 'pause'),
    'the pause was detected',
  );
  assert.ok(old.events.some((e) => e.type === 'demoted'));
  assert.equal(sim.leaders().length, 1);
  assert.notEqual(sim.leaders()[0], old);
  assert.deepEqual(sim.fencedTerms(), [old.leadership.term?.token ?? 1], 'a frozen leader cannot demote: its fence acted in time');
  assert.deepEqual(sim.violations(), []);
});

test('a short pause makes the leader suspect until a keep-alive sent after it is acknowledged, then it carries on', async () => {
  const sim = new Sim({ ttlMs: TTL });
  const a = sim.add('a');
  await elect(sim);
  a.clock.freeze(sim.timing.pauseThresholdMs + 50);
  await sim.vt.advance(sim.timing.pauseThresholdMs + 51);
  assert.throws(() => a.leadership.assertLeader(), /pause/);
  await sim.vt.advance(50);
  assert.ok(a.events.some((e) => e.type === 'recheck-ok'));
  assert.equal(a.leadership.role, 'leader');
  assert.doesNotThrow(() => a.leadership.assertLeader());
  assert.deepEqual(sim.violations(), []);
});

test(
  'whenLeader: after a pause it resolves once a keep-alive sent after the pause is acknowledged; when the term is ' + 'lost it rejects',
  async () => {
    const sim = new Sim({ ttlMs: TTL });
    const a = sim.add('a');
    await elect(sim);
    a.clock.freeze(sim.timing.pauseThresholdMs + 50);
    await sim.vt.advance(sim.timing.pauseThresholdMs + 51);
    assert.throws(() => a.leadership.assertLeader(), /pause/);
    let resumed = false;
    void a.leadership.whenLeader(new AbortController().signal).then(() => (resumed = true));
    await sim.vt.advance(50);
    assert.equal(resumed, true);
    assert.doesNotThrow(() => a.leadership.assertLeader());

    // Cut off, then paused: the re-check can never succeed; the wait ends with the term.
    sim.server.partition('a', true);
    a.clock.freeze(sim.timing.pauseThresholdMs + 50);
    await sim.vt.advance(sim.timing.pauseThresholdMs + 51);
    const outcome = a.leadership.whenLeader(new AbortController().signal).then(
      () => 'resolved',
      (err: unknown) => (err instanceof NotLeaderError ? 'rejected' : 'other'),
    );
    await sim.vt.advance(TTL);
    assert.equal(await outcome, 'rejected');
    assert.notEqual(a.leadership.role, 'leader');
    assert.deepEqual(sim.violations(), []);
  },
);

test('clock-rate drift within the configured bound never lets two leaders overlap', async () => {
  // The leader's clock runs 0.5 % slow and the server's 0.45 % fast: 0.95 % relative, under drift = 1 %.
  const sim = new Sim({ ttlMs: TTL, timing: { marginMs: 0 }, server: { rate: 1.0045 } });
  sim.add('a', { rate: 0.995 });
  sim.add('b', { rate: 1.005 });
  const old = await elect(sim);
  sim.server.partition(old.name, true);
  await sim.vt.advance(4 * TTL);
  assert.equal(sim.server.terms.length, 2);
  assert.deepEqual(sim.violations(), []);
});

test('negative control: drift beyond the bound with no margin is caught by the checker', async () => {
  // Proves the checker can fail: the leader's clock runs 10 % slow with drift assumed 0 and no margin.
  const sim = new Sim({ ttlMs: TTL, timing: { marginMs: 0, drift: 0, stepDownMs: 0 } });
  const a = sim.add('a', { rate: 0.9 });
  sim.add('b');
  await elect(sim);
  assert.equal(sim.leaders()[0], a);
  sim.server.partition('a', true);
  await sim.vt.advance(4 * TTL);
  assert.ok(sim.violations().length > 0, 'an unsafe timing must produce a detectable overlap');
});

test('a lease extended by an etcd leader change delays the next leader but never makes the old one act longer', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('a');
  sim.add('b');
  const old = await elect(sim);
  sim.server.partition(old.name, true);
  await sim.vt.advance(TTL / 2);
  sim.server.extendAllLeases(); // raft leader change: every lease restarts its TTL
  const extendedAt = sim.vt.now;
  await sim.vt.advance(3 * TTL);
  const rec = sim.server.terms.find((r) => r.node === old.name)!;
  assert.ok(rec.end >= extendedAt + TTL, 'the record lived a full TTL past the extension');
  const lastOld = Math.max(...sim.actions.filter((x) => x.node === old.name).map((x) => x.at));
  assert.ok(lastOld < extendedAt + 1, 'the old leader stopped on its own deadline, not the extended lease');
  assert.equal(sim.leaders().length, 1);
  assert.deepEqual(sim.violations(), []);
});

test('the fence hook runs when the previous lease expired, not when it was released', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('a', { fenceHook: true });
  sim.add('b', { fenceHook: true });
  const first = await elect(sim);
  first.leadership.setHealthy(false); // demotes and releases: the successor must not fence
  await sim.vt.advance(2 * TTL);
  const second = sim.leaders()[0]!;
  assert.notEqual(second, first);
  assert.equal(second.fenced.length, 0);
  first.leadership.setHealthy(true);
  second.clock.freeze(1e9); // expires: the successor must fence it
  second.down = true;
  await sim.vt.advance(3 * TTL);
  assert.equal(sim.leaders()[0], first);
  assert.deepEqual(
    first.fenced.map((p) => [p.node, p.expired]),
    [[second.name, true]],
  );
  assert.deepEqual(sim.violations(), []);
});

test('health: an unhealthy node never campaigns; a leader that turns unhealthy hands over', async () => {
  const sim = new Sim({ ttlMs: TTL });
  const a = sim.add('a', { healthy: false });
  const b = sim.add('b', { healthy: false });
  sim.start();
  await sim.vt.advance(3 * TTL);
  assert.equal(sim.server.terms.length, 0);
  a.leadership.setHealthy(true);
  await sim.vt.advance(TTL);
  assert.equal(sim.leaders()[0], a);
  b.leadership.setHealthy(true);
  a.leadership.setHealthy(false);
  await sim.vt.advance(2 * TTL);
  assert.equal(sim.leaders()[0], b);
  assert.equal(sim.server.terms[0]!.how, 'released');
  assert.deepEqual(sim.violations(), []);
});

test('priorities: the higher-priority node wins a simultaneous start; no preemption by default', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('low', { priority: 50 });
  sim.add('high', { priority: 200 });
  const leader = await elect(sim);
  assert.equal(leader.name, 'high');

  const sim2 = new Sim({ ttlMs: TTL });
  sim2.add('low', { priority: 50 });
  const first = await elect(sim2);
  const late = sim2.add('high', { priority: 200 });
  late.leadership.start();
  await sim2.vt.advance(10 * TTL);
  assert.equal(sim2.leaders()[0], first, 'the sitting leader keeps leadership');
  assert.deepEqual(sim2.violations(), []);
});

test('preempt: a higher-priority node with preempt on takes over through a clean switchover', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('low', { priority: 50 });
  const first = await elect(sim);
  const high = sim.add('high', { priority: 200, preempt: true });
  high.leadership.start();
  await sim.vt.advance(5 * TTL);
  assert.equal(sim.leaders()[0], high);
  assert.equal(sim.server.terms.find((r) => r.node === first.name)!.how, 'released');
  assert.deepEqual(sim.violations(), []);
});

test('planned switchover moves leadership to the named node only', async () => {
  const sim = new Sim({ ttlMs: TTL });
  sim.add('a');
  sim.add('b');
  sim.add('c');
  const old = await elect(sim);
  const target = sim.nodes.find((n) => n !== old)!;
  const client = sim.server.client('operator', target.clock, TTL);
  await Promise.all([
    client.requestSwitchover({ to: target.name, fromToken: old.leadership.term!.token, requestedBy: 'test' }, 3 * TTL),
    sim.vt.advance(10),
  ]);
  await sim.vt.advance(TTL);
  assert.equal(sim.leaders()[0], target);
  const terms = sim.server.terms;
  assert.equal(terms.length, 2);
  assert.equal(terms[0]!.how, 'released');
  assert.equal(sim.server.view().switchover, null, 'the target cleared the request');
  assert.deepEqual(sim.violations(), []);
});

test(
  'a switchover to a node that never shows up leaves the cluster leaderless for one TTL at most, not until the ' + 'request expires',
  async () => {
    const sim = new Sim({ ttlMs: TTL });
    sim.add('a');
    sim.add('b');
    const old = await elect(sim);
    const client = sim.server.client('operator', old.clock, TTL);
    await Promise.all([
      client.requestSwitchover({ to: 'ghost', fromToken: old.leadership.term!.token, requestedBy: 'test' }, 10 * TTL),
      sim.vt.advance(10),
    ]);
    await sim.vt.advance(100);
    const released = sim.server.terms[0]!;
    assert.equal(released.how, 'released', 'the leader stepped down for the switchover');
    await sim.vt.advance(TTL + 300);
    assert.equal(sim.leaders().length, 1, 'someone leads again');
    const gap = sim.server.terms[1]!.start - released.end;
    assert.ok(gap >= TTL * 0.9 && gap <= TTL + 200, `leaderless for ${gap} ms`);
    await sim.vt.advance(100);
    assert.equal(sim.server.view().switchover, null, 'the new leader cleared the stale request');
    assert.equal(sim.server.terms.length, 2, 'and did not step down for it');
    assert.deepEqual(sim.violations(), []);
  },
);

test('stop() demotes and releases the lease, so a successor takes over without waiting for expiry', async () => {
  const sim = new Sim({ ttlMs: 5000 });
  sim.add('a');
  sim.add('b');
  const old = await elect(sim);
  const stopping = old.leadership.stop();
  await sim.vt.advance(200);
  await stopping;
  await sim.vt.advance(300);
  assert.equal(old.leadership.role, 'stopped');
  const next = sim.leaders()[0];
  assert.ok(next && next !== old, 'successor within 500 ms of a 5 s TTL');
  assert.deepEqual(sim.violations(), []);
});
