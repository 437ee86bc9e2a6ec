// The etcd backend against a real etcd spawned on free ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import { Etcd3 } from 'etcd3';
import { freePort, waitFor } from '@holdfast/testkit';
import { EtcdCoordinator } from '../src/coordinator/etcd.ts';
import { LeaseLostError, type ClusterView, type Term } from '../src/coordinator/coordinator.ts';
import { startEtcd } from './support/etcd.ts';

function coordinator(
  t: { after: (fn: () => unknown) => void },
  endpoint: string,
  ttlMs = 2000,
  warnings: string[] = [],
  connectTimeoutMs?: number,
) {
  const c = new EtcdCoordinator({
    endpoints: [endpoint],
    cluster: 'test',
    ttlMs,
    onWarning: (m) => warnings.push(m),
    ...(connectTimeoutMs ? { connectTimeoutMs } : {}),
  });
  t.after(() => c.close());
  return c;
}

const won = (r: Awaited<ReturnType<EtcdCoordinator['campaign']>>): Term => {
  assert.ok(r.won, 'campaign should win');
  return r.term;
};

test('etcd unreachable at start: a clear error naming the endpoint once the start-up budget is spent, and no leadership', async (t) => {
  const port = await freePort();
  const c = coordinator(t, `http://127.0.0.1:${port}`, 1000, [], 800);
  await assert.rejects(c.connect(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'HOLDFAST_E_COORDINATOR_UNREACHABLE');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port} did not answer within 800 ms`));
    assert.match(err.message, /raise coordinator\.connectTimeout\); no leadership was taken/);
    return true;
  });
});

test('start-up budget: connect() keeps trying while etcd comes up, longer than one steady-state request may take', async (t) => {
  const port = await freePort();
  // Turbo timing: one request may take 500 ms; the start-up budget is separate.
  const c = coordinator(t, `http://127.0.0.1:${port}`, 1000, [], 30_000);
  const connecting = c.connect();
  let settled = false;
  void connecting.finally(() => (settled = true)).catch(() => {});
  await new Promise((r) => setTimeout(r, 1500)); // three request timeouts go by: still trying
  assert.equal(settled, false);
  await startEtcd(t, { fast: true, clientPort: port });
  await connecting;
  assert.equal((await c.read()).leader, null);
});

test('campaign creates the leader key only if absent; the token is its create revision; keep-alive confirms it', async (t) => {
  const etcd = await startEtcd(t);
  const a = coordinator(t, etcd.endpoint);
  const b = coordinator(t, etcd.endpoint);
  await a.connect();
  const term = won(await a.campaign({ node: 'a', priority: 100 }));
  assert.equal(term.previous, null);
  assert.equal(term.ttlMs, 2000);
  const lost = await b.campaign({ node: 'b', priority: 100 });
  assert.equal(lost.won, false);
  assert.equal(!lost.won && lost.view.leader?.node, 'a');
  assert.equal(!lost.won && lost.view.leader?.token, term.token);

  const raw = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => raw.close());
  const kv = (await raw.kv.range({ key: Buffer.from('/holdfast/failover/test/leader') })).kvs[0]!;
  assert.equal(Number(kv.create_revision), term.token);
  assert.equal(kv.lease, term.leaseId);

  const ack = await a.keepAlive(term);
  assert.equal(ack.ttlMs, 2000);
  const view = await b.read();
  assert.equal(view.leader?.node, 'a');
  assert.ok(view.revision >= term.token);
});

test('resign releases at once: the next winner gets a higher token and previous.expired = false', async (t) => {
  const etcd = await startEtcd(t);
  const a = coordinator(t, etcd.endpoint);
  const b = coordinator(t, etcd.endpoint);
  const first = won(await a.campaign({ node: 'a', priority: 100 }));
  await a.resign(first);
  await a.resign(first); // idempotent
  const second = won(await b.campaign({ node: 'b', priority: 100 }));
  assert.ok(second.token > first.token);
  assert.deepEqual(second.previous, { node: 'a', token: first.token, expired: false });
  await assert.rejects(a.keepAlive(first), LeaseLostError);
});

test(
  'a lease that is not kept alive expires: the next winner sees previous.expired = true, the old keep-alive ' + 'reports the loss',
  async (t) => {
    const etcd = await startEtcd(t, { fast: true });
    const a = coordinator(t, etcd.endpoint, 1000);
    const b = coordinator(t, etcd.endpoint, 1000);
    const first = won(await a.campaign({ node: 'a', priority: 100 }));
    const second = await waitFor(
      'the lease to expire and b to win',
      async () => {
        const r = await b.campaign({ node: 'b', priority: 100 });
        return r.won ? r.term : undefined;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
    assert.ok(second.token > first.token);
    assert.deepEqual(second.previous, { node: 'a', token: first.token, expired: true });
    await assert.rejects(a.keepAlive(first), (err: Error) => err instanceof LeaseLostError && /expired|revoked/.test(err.message));
  },
);

test('keep-alive fails when an operator deleted the leader key even though the lease lives on', async (t) => {
  const etcd = await startEtcd(t);
  const a = coordinator(t, etcd.endpoint);
  const term = won(await a.campaign({ node: 'a', priority: 100 }));
  const raw = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => raw.close());
  await raw.delete().key('/holdfast/failover/test/leader');
  await assert.rejects(a.keepAlive(term), (err: Error) => err instanceof LeaseLostError && /deleted/.test(err.message));
});

test('etcd rounds a 1 s TTL up to 2 s with its default election timeout: the grant says so and the agent is warned', async (t) => {
  const etcd = await startEtcd(t);
  const warnings: string[] = [];
  const a = coordinator(t, etcd.endpoint, 1000, warnings);
  const term = won(await a.campaign({ node: 'a', priority: 100 }));
  assert.equal(term.ttlMs, 2000, 'the deadline must use the TTL etcd granted');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /granted a 2 s lease for the requested 1 s.*election-timeout/);
});

test('with --election-timeout 500 etcd grants the turbo 1 s TTL without a warning', async (t) => {
  const etcd = await startEtcd(t, { fast: true });
  const warnings: string[] = [];
  const a = coordinator(t, etcd.endpoint, 1000, warnings);
  const term = won(await a.campaign({ node: 'a', priority: 100 }));
  assert.equal(term.ttlMs, 1000);
  assert.deepEqual(warnings, []);
});

test('observe delivers a fresh view on every change of the leader key and of a switchover request', async (t) => {
  const etcd = await startEtcd(t);
  const a = coordinator(t, etcd.endpoint);
  const b = coordinator(t, etcd.endpoint);
  const views = new EventEmitter();
  const seen: ClusterView[] = [];
  const stop = b.observe((v) => {
    seen.push(v);
    views.emit('view', v);
  });
  t.after(stop);
  await once(views, 'view'); // initial view once the watch is up
  const term = won(await a.campaign({ node: 'a', priority: 100 }));
  await waitFor('a view with a as leader', () => seen.some((v) => v.leader?.token === term.token));
  await b.requestSwitchover({ to: 'b', fromToken: term.token, requestedBy: 'test' }, 5000);
  await waitFor('a view with the switchover', () => seen.some((v) => v.switchover?.to === 'b'));
  await a.clearSwitchover(term);
  await a.resign(term);
  await waitFor('a view with no leader and no switchover', () => seen.at(-1)?.leader === null && seen.at(-1)?.switchover === null);
  const revisions = seen.map((v) => v.revision);
  assert.deepEqual(
    [...revisions].sort((x, y) => x - y),
    revisions,
    'views arrive in revision order',
  );
});

test('observe applies the watch events itself: a deleted leader key reaches followers without another read', async (t) => {
  const etcd = await startEtcd(t);
  const a = coordinator(t, etcd.endpoint);
  const b = coordinator(t, etcd.endpoint);
  const seen: ClusterView[] = [];
  const stop = b.observe((v) => seen.push(v));
  t.after(stop);
  await waitFor('the initial view', () => seen.length > 0);
  // From now on reads never answer: every further view must come from the events alone.
  b.read = () => new Promise<ClusterView>(() => {});
  const term = won(await a.campaign({ node: 'a', priority: 100 }));
  await waitFor('a view with a as leader', () => seen.at(-1)?.leader?.token === term.token);
  assert.equal(seen.at(-1)!.leader!.node, 'a');
  await a.requestSwitchover({ to: 'b', fromToken: term.token, requestedBy: 'test' }, 5000);
  await waitFor('a view with the switchover', () => seen.at(-1)?.switchover?.to === 'b');
  // resign is one txn (term key rewritten and leader key deleted at one revision): both apply.
  await a.resign(term);
  await waitFor('a view with no leader', () => seen.at(-1)?.leader === null);
  assert.equal(seen.at(-1)!.switchover?.to, 'b', 'the switchover request is still known');
  const next = won(await b.campaign({ node: 'b', priority: 100 }));
  await b.clearSwitchover(next);
  await waitFor('a view without the switchover', () => seen.at(-1)?.switchover === null);
  const revisions = seen.map((v) => v.revision);
  assert.deepEqual(
    [...revisions].sort((x, y) => x - y),
    revisions,
    'views never go back',
  );
});

test(
  'leader writes are guarded by the record: a term that ended cannot clear a switchover, and a request against an ' +
    'old token is refused',
  async (t) => {
    const etcd = await startEtcd(t);
    const a = coordinator(t, etcd.endpoint);
    const b = coordinator(t, etcd.endpoint);
    const first = won(await a.campaign({ node: 'a', priority: 100 }));
    await a.resign(first);
    const second = won(await b.campaign({ node: 'b', priority: 100 }));
    await assert.rejects(
      a.requestSwitchover({ to: 'a', fromToken: first.token, requestedBy: 'test' }, 5000),
      (err: Error & { code?: string }) =>
        err.code === 'HOLDFAST_E_SWITCHOVER' && new RegExp(`token ${first.token} no longer leads`).test(err.message),
    );
    assert.equal((await a.read()).switchover, null, 'nothing was written');
    await a.requestSwitchover({ to: 'a', fromToken: second.token, requestedBy: 'test' }, 5000);
    await a.clearSwitchover(first); // the ended term's write: no effect
    assert.equal((await a.read()).switchover?.to, 'a');
    await b.clearSwitchover(second);
    assert.equal((await a.read()).switchover, null);
  },
);

test("the token handed out is the leader key's create revision, and the campaign id is stored with the record and the term", async (t) => {
  const etcd = await startEtcd(t);
  const a = coordinator(t, etcd.endpoint);
  const b = coordinator(t, etcd.endpoint);
  const first = won(await a.campaign({ node: 'a', priority: 100, campaign: 'c-1' }));
  assert.equal(first.campaign, 'c-1');
  const raw = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => raw.close());
  const kv = (await raw.kv.range({ key: Buffer.from('/holdfast/failover/test/leader') })).kvs[0]!;
  assert.equal(Number(kv.create_revision), first.token);
  assert.equal((await b.read()).leader?.campaign, 'c-1');
  await raw.leaseClient.leaseRevoke({ ID: first.leaseId }); // expired, not released
  const second = won(await b.campaign({ node: 'b', priority: 100, campaign: 'c-2' }));
  assert.deepEqual(second.previous, { node: 'a', token: first.token, expired: true, campaign: 'c-1' });
});

test(
  'at connect: a single-member etcd (Debian 3.4.23 here) is accepted without a warning, and its version and size ' + 'are known',
  async (t) => {
    const etcd = await startEtcd(t);
    const warnings: string[] = [];
    const a = coordinator(t, etcd.endpoint, 2000, warnings);
    await a.connect();
    assert.equal(a.server?.members, 1);
    assert.match(a.server?.version ?? '', /^3\.\d+\.\d+/);
    assert.deepEqual(warnings, []);
  },
);
