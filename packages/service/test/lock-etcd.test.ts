// service.lock() on a real etcd through @holdfast/failover/lock: fencing tokens that only grow,
// FIFO hand-over, loss detected before the server's TTL, and the bad inputs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { hasCode } from '@holdfast/config/errors';
import { etcdLockProvider } from '@holdfast/failover/lock';
import { createService, type LockProvider } from '@holdfast/service';
import { cleanup, startEtcd } from '@holdfast/testkit';

// The failover package's provider must fit the service's contract (a compile-time check).
const _fits: (p: ReturnType<typeof etcdLockProvider>) => LockProvider = (p) => p;

test('tokens grow with each holder and waiters are served in arrival order', async (t) => {
  const etcd = await startEtcd(t);
  const locks = etcdLockProvider({ endpoints: [etcd.endpoint] });
  cleanup(t, () => locks.close());
  const first = await locks.acquire('orders-42', { ttlMs: 2000, owner: 'a' });
  const order: string[] = [];
  const b = locks.acquire('orders-42', { ttlMs: 2000, owner: 'b' }).then((l) => (order.push('b'), l));
  await new Promise((r) => setTimeout(r, 50));
  const c = locks.acquire('orders-42', { ttlMs: 2000, owner: 'c' }).then((l) => (order.push('c'), l));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(order, []);
  first.assertHeld();
  await first.release();
  assert.throws(
    () => first.assertHeld(),
    (err: Error) => hasCode(err, 'HOLDFAST_E_LOCK_LOST'),
  );
  const lb = await b;
  assert.ok(lb.token > first.token, `token ${lb.token} > ${first.token}`);
  await lb.release();
  const lc = await c;
  assert.ok(lc.token > lb.token);
  assert.deepEqual(order, ['b', 'c']);
  await lc.release();
});

test('a revoked lease aborts the holder at once; a waiter times out or aborts precisely', async (t) => {
  const etcd = await startEtcd(t);
  const locks = etcdLockProvider({ endpoints: [etcd.endpoint] });
  cleanup(t, () => locks.close());
  const l = await locks.acquire('jobs', { ttlMs: 3000 });
  await assert.rejects(
    locks.acquire('jobs', { ttlMs: 3000, timeoutMs: 200 }),
    (err: Error) => hasCode(err, 'HOLDFAST_E_LOCK_TIMEOUT') && /not acquired in time: lock 'jobs', after waiting 200 ms/.test(err.message),
  );
  const ac = new AbortController();
  const waiting = locks.acquire('jobs', { ttlMs: 3000, signal: ac.signal });
  ac.abort(new Error('shutting down'));
  await assert.rejects(waiting, (err: Error) => hasCode(err, 'HOLDFAST_E_LOCK_ABORTED'));
  const leases = execFileSync('etcdctl', ['--endpoints', etcd.endpoint, 'lease', 'list'], { encoding: 'utf8' });
  const t0 = performance.now();
  for (const id of leases
    .split('\n')
    .slice(1)
    .map((s) => s.trim())
    .filter(Boolean)) {
    execFileSync('etcdctl', ['--endpoints', etcd.endpoint, 'lease', 'revoke', id], { stdio: 'ignore' });
  }
  await new Promise((resolve) => l.signal.addEventListener('abort', resolve, { once: true }));
  const after = performance.now() - t0;
  assert.ok(after < 3000, `lost noticed ${Math.round(after)} ms after the revoke, within the TTL`);
  assert.throws(() => l.assertHeld(), /lease expired or revoked|its key was deleted/);
});

test('etcd unreachable: the holder’s signal aborts before the lease could expire on the server', async (t) => {
  const etcd = await startEtcd(t);
  const locks = etcdLockProvider({ endpoints: [etcd.endpoint] });
  cleanup(t, () => locks.close());
  const l = await locks.acquire('partition', { ttlMs: 2000 });
  const stoppedAt = performance.now();
  etcd.kill('SIGSTOP');
  cleanup(t, () => etcd.kill('SIGCONT'));
  await new Promise((resolve) => l.signal.addEventListener('abort', resolve, { once: true }));
  const lostAfter = performance.now() - stoppedAt;
  etcd.kill('SIGCONT');
  // The last acknowledged keep-alive was sent before the stop; the server cannot expire the
  // lease before that send + 2000 ms, and the holder gave up at send + 2000 × 0.99 − 400.
  assert.ok(lostAfter < 2000, `lost after ${Math.round(lostAfter)} ms, before the TTL`);
  assert.throws(
    () => l.assertHeld(),
    (err: Error) => hasCode(err, 'HOLDFAST_E_LOCK_LOST'),
  );
});

test('bad input: a name that is no valid lock key, a TTL under etcd’s minimum or not in seconds', async (t) => {
  const etcd = await startEtcd(t);
  const locks = etcdLockProvider({ endpoints: [etcd.endpoint] });
  cleanup(t, () => locks.close());
  await assert.rejects(
    locks.acquire('orders/42', { ttlMs: 2000 }),
    /lock name "orders\/42" is not a valid etcd lock key: use 1 to 128 letters, digits and \. _ : -/,
  );
  await assert.rejects(locks.acquire('', { ttlMs: 2000 }), /lock name "" is not a valid etcd lock key/);
  await assert.rejects(locks.acquire('ok', { ttlMs: 1500 }), /ttlMs 1500 is not a lease etcd can grant: etcd leases are whole seconds/);
  // etcd's default election timeout (1 s) makes its minimum lease 2 s.
  await assert.rejects(
    locks.acquire('ok', { ttlMs: 1000 }),
    (err: Error) =>
      hasCode(err, 'HOLDFAST_E_LOCK_OPTIONS') && /ttlMs 1000 is under this etcd's minimum lease TTL of 2000 ms/.test(err.message),
  );
  const leases = execFileSync('etcdctl', ['--endpoints', etcd.endpoint, 'lease', 'list'], { encoding: 'utf8' });
  assert.match(leases, /found 0 leases/, 'the refused grant was revoked');
});

test('service.lock(): through the service, released at shutdown; without a provider it says what to pass', async (t) => {
  const etcd = await startEtcd(t);
  const none = createService({ port: 0, logger: { level: 'silent' }, handleSignals: false });
  await assert.rejects(
    none.lock('x', { ttlMs: 2000 }),
    (err: Error) => hasCode(err, 'HOLDFAST_E_LOCK_UNAVAILABLE') && /pass createService\(\{ locks: etcdLockProvider/.test(err.message),
  );
  await none.stop();
  const svc = createService({
    port: 0,
    logger: { level: 'silent' },
    handleSignals: false,
    locks: etcdLockProvider({ endpoints: [etcd.endpoint] }),
  });
  await svc.start();
  cleanup(t, () => svc.stop());
  const l = await svc.lock('nightly', { ttlMs: 2000 });
  assert.ok(l.token > 0);
  await svc.stop();
  assert.equal(l.signal.aborted, true, 'released by the shutdown hook');
  const keys = execFileSync('etcdctl', ['--endpoints', etcd.endpoint, 'get', '--prefix', '/holdfast/locks/', '--keys-only'], {
    encoding: 'utf8',
  });
  assert.equal(keys.trim(), '');
});
