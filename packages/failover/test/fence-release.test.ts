// Releasing a dead leader's lease: against a real etcd, and the "is the agent really dead" check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { waitFor } from '@holdfast/testkit';
import { isReleaseSpec, processGone, releaseLease } from '../src/fence/release.ts';
import { startEtcd } from './support/etcd.ts';

test('release: revoking the lease through etcd’s JSON gateway deletes the keys bound to it', async (t) => {
  const etcd = await startEtcd(t);
  const client = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => client.close());
  const lease = client.lease(60, { autoKeepAlive: false });
  await lease.put('/test/leader').value('n1');
  const leaseId = await lease.grant();
  assert.equal(await client.get('/test/leader').string(), 'n1');
  const r = await releaseLease({ kind: 'etcd-lease', endpoints: ['http://127.0.0.1:1', etcd.endpoint], leaseId }, 500);
  assert.deepEqual(r, { ok: true, endpoint: etcd.endpoint }, 'the dead endpoint is skipped');
  assert.equal(await client.get('/test/leader').string(), null, 'the key went with the lease');
  assert.equal(
    (await releaseLease({ kind: 'etcd-lease', endpoints: [etcd.endpoint], leaseId })).ok,
    true,
    'a lease already gone counts as released',
  );
  const down = await releaseLease({ kind: 'etcd-lease', endpoints: ['http://127.0.0.1:1'], leaseId }, 300);
  assert.equal(down.ok, false);
  assert.match(down.error!, /127\.0\.0\.1:1/);
});

test('release: a spec is checked before use; processGone tells dead and zombie processes from live ones', async () => {
  assert.equal(isReleaseSpec({ kind: 'etcd-lease', endpoints: ['http://a:2379'], leaseId: '123' }), true);
  assert.equal(isReleaseSpec({ kind: 'etcd-lease', endpoints: ['http://a:2379'], leaseId: '12x' }), false);
  assert.equal(isReleaseSpec({ kind: 'etcd', endpoints: [], leaseId: '1' }), false);
  assert.equal(processGone(process.pid), false);
  assert.equal(processGone(1), false, 'never init');
  const child = spawn('sleep', ['30']);
  const pid = child.pid!;
  assert.equal(processGone(pid), false);
  // Killed but not yet reaped: a zombie is as dead as it gets.
  child.removeAllListeners();
  process.kill(pid, 'SIGKILL');
  await waitFor('the zombie or its removal', () => processGone(pid));
});

test('release: the companion frees the lease of a SIGKILLed leader after removing its VIP, never that of a frozen one', async (t) => {
  const { lab } = await import('./resources-helpers.ts');
  const { startChild } = await import('@holdfast/testkit');
  const { hasAddress } = await import('../src/resources/ip.ts');
  const { fileURLToPath } = await import('node:url');
  const l = await lab(t, { n1: '198.18.0.1' });
  if (!l) return;
  const where = { dev: 'eth0', netns: l.host('n1').netns };
  const fixture = fileURLToPath(new URL('./fence-agent-fixture.ts', import.meta.url));
  const etcd = await startEtcd(t);
  const client = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => client.close());

  for (const fault of ['SIGKILL', 'SIGSTOP'] as const) {
    const lease = client.lease(60, { autoKeepAlive: false });
    await lease.put(`/test/${fault}`).value('leader');
    const leaseId = await lease.grant();
    const agent = startChild(t, process.execPath, [fixture, where.netns, '198.18.0.100/24', '800', etcd.endpoint, leaseId]);
    await agent.waitForLine(/^ARMED \d+/, 20_000);
    process.kill(agent.pid, fault);
    const log = () => `; the fence's log:\n${agent.stderr().slice(-3000)}`;
    await waitFor('the VIP to be removed', async () => !(await hasAddress(where, '198.18.0.100')), { timeoutMs: 10_000 }).catch(
      (err: Error) => assert.fail(err.message + log()),
    );
    if (fault === 'SIGKILL') {
      await waitFor('the lease to be released (60 s TTL)', async () => (await client.get(`/test/${fault}`).string()) === null, {
        timeoutMs: 10_000,
      }).catch((err: Error) => assert.fail(err.message + log()));
    } else {
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await client.get(`/test/${fault}`).string(), 'leader', 'a frozen agent’s lease is left to expire');
      process.kill(agent.pid, 'SIGKILL');
    }
  }
});

test('release: an action the killed agent left in flight is ended before the lease goes, so the VIP is not added back', async (t) => {
  const { lab } = await import('./resources-helpers.ts');
  const { startChild } = await import('@holdfast/testkit');
  const { hasAddress } = await import('../src/resources/ip.ts');
  const { fileURLToPath } = await import('node:url');
  const l = await lab(t, { n1: '198.18.0.1' });
  if (!l) return;
  const where = { dev: 'eth0', netns: l.host('n1').netns };
  const fixture = fileURLToPath(new URL('./fence-agent-fixture.ts', import.meta.url));
  const etcd = await startEtcd(t);
  const client = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => client.close());
  const lease = client.lease(60, { autoKeepAlive: false });
  await lease.put('/test/stray').value('leader');
  const leaseId = await lease.grant();
  const agent = startChild(t, process.execPath, [fixture, where.netns, '198.18.0.100/24', '30000', etcd.endpoint, leaseId, 'stray']);
  await agent.waitForLine(/^ARMED \d+/, 20_000);
  process.kill(agent.pid, 'SIGKILL');
  await waitFor('the lease to be released', async () => (await client.get('/test/stray').string()) === null, { timeoutMs: 10_000 });
  // The stray would have added the VIP back 1 s after it started: give it time to prove it did not.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await hasAddress(where, '198.18.0.100'), false, 'the in-flight action was ended by the fence');
});

test(
  'release: a local coordinator lease is ended in its state directory; the term counts as expired; one already ' + 'gone is released too',
  async (t) => {
    const { tempDir } = await import('@holdfast/testkit');
    const { LocalCoordinator } = await import('../src/coordinator/local.ts');
    const dir = tempDir(t);
    const a = new LocalCoordinator({ dir, cluster: 'c', ttlMs: 60_000 });
    const b = new LocalCoordinator({ dir, cluster: 'c', ttlMs: 60_000 });
    t.after(() => Promise.all([a.close(), b.close()]));
    const won = await a.campaign({ node: 'a', priority: 1 });
    assert.ok(won.won);
    const spec = { kind: 'local-lease' as const, dir, cluster: 'c', leaseId: won.term.leaseId };
    assert.equal(isReleaseSpec(spec), true);
    assert.equal(isReleaseSpec({ ...spec, dir: 'relative/dir' }), false);
    assert.deepEqual(await releaseLease(spec), { ok: true, endpoint: dir });
    assert.equal((await b.read()).leader, null, 'the record went with the lease');
    const next = await b.campaign({ node: 'b', priority: 1 });
    assert.ok(next.won && next.term.previous?.expired === true, 'ended early, not released: the next winner fences');
    assert.equal((await releaseLease(spec)).ok, true, 'a lease already gone counts as released');
  },
);
