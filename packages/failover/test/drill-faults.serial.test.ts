// The netns failover drill for each fault kind, with the fast profile (TTL 2 s): a real etcd,
// three real agents, a real VIP, a client polling it every 50 ms. Each drill must recover within
// TTL + 3 s, never show two VIP holders or two overlapping leadership windows, have increasing
// tokens, and leave clients on the holder after the heal. Needs root and the tools: without them
// the tests fail (HOLDFAST_ALLOW_SKIP=1 skips them on purpose).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannotRun } from '@holdfast/testkit';
import { runCommand } from '../src/resources/command.ts';
import { drillPassed, faultKinds, labUnavailable, revokeOverlapBoundMs, runDrill } from '../src/drill/index.ts';

async function leftovers(): Promise<string[]> {
  const ns = await runCommand('ip', ['netns', 'list']);
  const links = await runCommand('ip', ['-o', 'link', 'show']);
  const mine = new RegExp(`hf-${process.pid}-|holdfast-drill pid=${process.pid}\\b`);
  return [...ns.stdout.split('\n'), ...links.stdout.split('\n')].filter((l) => mine.test(l));
}

for (const fault of faultKinds) {
  test(
    `drill ${fault} (fast profile): VIP back within TTL + 3 s, no overlap, tokens increase, clients follow after the heal`,
    { timeout: 180_000 },
    async (t) => {
      const why = await labUnavailable(['ip', 'arping', 'etcd', 'bridge']);
      if (why) return cannotRun(t, why);
      const r = await runDrill({ fault, profile: 'fast', progress: (m) => t.diagnostic(m) });
      t.diagnostic(JSON.stringify(r));
      const verdict = drillPassed(r);
      assert.ok(verdict.ok, verdict.why.join('; '));
      assert.ok(r.recovery_s !== null && r.recovery_s <= r.ttl_s + 3);
      assert.equal(r.overlaps, 0);
      assert.equal(r.leadership_overlaps, 0);
      assert.ok(r.tokens.length >= 2 && r.tokens_increase, `tokens ${r.tokens.join(', ')}`);
      assert.notEqual(r.new_leader, r.old_leader);
      // At 50 ms each, 40 polls and samples are two seconds of watching, fault to heal included.
      assert.ok(r.samples > 40 && r.polls > 40, `the sampler and the client ran throughout (${r.samples} samples, ${r.polls} polls)`);
      assert.deepEqual(await leftovers(), [], 'namespaces and links removed');
    },
  );
}

test(
  "drill revoke (fast profile): `etcdctl lease revoke` ends the leader's lease early; the overlap stays within its " +
    'bound and the VIP never has two holders',
  { timeout: 180_000 },
  async (t) => {
    const why = await labUnavailable(['ip', 'arping', 'etcd', 'bridge', 'etcdctl']);
    if (why) return cannotRun(t, why);
    const r = await runDrill({ fault: 'revoke', profile: 'fast', progress: (m) => t.diagnostic(m) });
    t.diagnostic(JSON.stringify(r));
    t.diagnostic(`leadership overlap after the revoke: ${r.overlap_ms} ms (bound ${r.overlap_bound_ms} ms)`);
    const verdict = drillPassed(r);
    assert.ok(verdict.ok, verdict.why.join('; '));
    assert.equal(r.overlap_bound_ms, revokeOverlapBoundMs(2000));
    assert.ok(r.overlap_ms <= r.overlap_bound_ms!);
    assert.equal(r.overlaps, 0, 'never two VIP holders');
    assert.ok(r.tokens.length >= 2 && r.tokens_increase);
    assert.deepEqual(await leftovers(), []);
  },
);

test('drill: an abort mid-drill still removes every namespace, link and process', { timeout: 120_000 }, async (t) => {
  const why = await labUnavailable(['ip', 'arping', 'etcd', 'bridge']);
  if (why) return cannotRun(t, why);
  const abort = new AbortController();
  const run = runDrill({
    fault: 'pause',
    profile: 'fast',
    signal: abort.signal,
    progress: (m) => {
      t.diagnostic(m);
      if (m.startsWith('leader:')) abort.abort(new Error('test interrupt'));
    },
  });
  await assert.rejects(run, /test interrupt/);
  assert.deepEqual(await leftovers(), []);
  const ps = await runCommand('ps', ['-eo', 'pid,args']);
  const strays = ps.stdout
    .split('\n')
    .filter((l) => /hf-drill-|http-service-main|poller-main|agent-main|companion-main/.test(l) && !l.includes('ps -eo'));
  assert.deepEqual(strays, [], 'no drill process left running');
});
