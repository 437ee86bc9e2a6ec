// The vip resource against real network namespaces: a bridge with three "hosts", real
// `ip addr`, real `arping -D` and gratuitous ARP seen in another namespace's neighbour table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@holdfast/testkit';
import { PREPARED_FRESH_MS, vipSchema, VipResource, type VipConfig } from '../src/resources/vip.ts';
import { hasAddress, linkState, listAddresses } from '../src/resources/ip.ts';
import { runCommand } from '../src/resources/command.ts';
import { hasCode } from '../src/errors.ts';
import { capturedLog, lab, leaderContext, stopContext } from './resources-helpers.ts';

const VIP = '198.18.0.100';

function vip(netns: string, extra: Partial<Record<string, unknown>> = {}): VipResource {
  return new VipResource(
    vipSchema.parse({
      kind: 'vip',
      name: 'vip',
      address: `${VIP}/24`,
      interface: 'eth0',
      netns,
      duplicateCheck: 150,
      ...extra,
    }) as VipConfig,
  );
}

async function neighMac(netns: string, address: string): Promise<string | undefined> {
  const r = await runCommand('ip', ['-n', netns, '-j', 'neigh', 'show', address]);
  const [entry] = JSON.parse(r.stdout || '[]') as Array<{ lladdr?: string }>;
  return entry?.lladdr?.toLowerCase();
}

test(
  'vip: added after a clean duplicate check, refused when another host answers, followed by clients through ' + 'gratuitous ARP',
  async (t) => {
    const l = await lab(t, { n1: '198.18.0.1', n2: '198.18.0.2', c: '198.18.0.9' });
    if (!l) return;
    const [n1, n2, c] = [l.host('n1'), l.host('n2'), l.host('c')];
    const mac1 = (await linkState({ dev: 'eth0', netns: n1.netns })).mac;
    const mac2 = (await linkState({ dev: 'eth0', netns: n2.netns })).mac;

    // n1 takes the VIP.
    const a = vip(n1.netns);
    const ctxA = leaderContext({ token: 11 });
    await a.start(ctxA);
    assert.ok(await hasAddress({ dev: 'eth0', netns: n1.netns }, VIP), 'n1 holds the VIP');
    assert.ok(ctxA.leadership.asserts >= 2, 'assertLeader ran before the check and before the add');
    assert.deepEqual((await a.monitor(leaderContext())).healthy, true);

    // n2 must refuse it while n1 answers: an alarm, an error with n1's MAC, no address added.
    const b = vip(n2.netns);
    const logB = capturedLog();
    await assert.rejects(b.start(leaderContext({ log: logB.log })), (err: Error) => {
      assert.ok(hasCode(err, 'HOLDFAST_E_VIP_DUPLICATE'), err.message);
      assert.match(err.message, new RegExp(mac1.replaceAll(':', ':'), 'i'));
      assert.match(err.message, /remove the address there/);
      return true;
    });
    assert.equal(await hasAddress({ dev: 'eth0', netns: n2.netns }, VIP), false, 'no duplicate added');
    assert.ok(
      logB.entries.some((e) => e['alarm'] === 'vip-duplicate' && e['mac'] === mac1.toLowerCase()),
      'alarm logged with the holder MAC',
    );

    // The client has n1's MAC cached for the VIP; n1 demotes, n2 promotes, and the client's
    // cache follows n2 through gratuitous ARP alone (nothing else talks to the client).
    await runCommand('ip', ['-n', c.netns, 'neigh', 'replace', VIP, 'lladdr', mac1, 'dev', 'eth0', 'nud', 'stale']);
    assert.equal(await neighMac(c.netns, VIP), mac1.toLowerCase());
    await a.stop(stopContext());
    assert.equal(await hasAddress({ dev: 'eth0', netns: n1.netns }, VIP), false, 'stop removed it');
    await a.stop(stopContext()); // idempotent
    await b.start(leaderContext({ token: 12 }));
    await waitFor('client neighbour entry to follow the VIP to n2', async () => (await neighMac(c.netns, VIP)) === mac2.toLowerCase(), {
      timeoutMs: 3000,
    });
    await b.stop(stopContext());
  },
);

test('vip: no side effect without leadership, and leadership lost mid-burst stops the announcements', async (t) => {
  const l = await lab(t, { n1: '198.18.0.1' });
  if (!l) return;
  const where = { dev: 'eth0', netns: l.host('n1').netns };
  const r = vip(where.netns);
  const ctx = leaderContext();
  ctx.leadership.leader = false;
  await assert.rejects(r.start(ctx), (err: Error) => hasCode(err, 'HOLDFAST_E_NOT_LEADER'));
  assert.equal(await hasAddress(where, VIP), false, 'nothing added by a non-leader');

  const ctx2 = leaderContext();
  await r.start(ctx2);
  const before = ctx2.leadership.asserts;
  ctx2.leadership.leader = false; // the burst's next ARP must check and stop
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.ok(ctx2.leadership.asserts > before, 'each gratuitous ARP asserts leadership first');
  const afterStop = ctx2.leadership.asserts;
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(ctx2.leadership.asserts, afterStop, 'no more announcements after leadership was lost');
  await r.stop(stopContext());
});

test('vip: monitor notices a removed address and a lost carrier; cleanup removes a stale VIP', async (t) => {
  const l = await lab(t, { n1: '198.18.0.1' });
  if (!l) return;
  const n1 = l.host('n1');
  const where = { dev: 'eth0', netns: n1.netns };
  const r = vip(n1.netns, { garp: { count: 1, repeatAfter: 0, refresh: 0 } });
  await r.start(leaderContext());
  await runCommand('ip', ['link', 'set', n1.port, 'down']);
  const noCarrier = await r.monitor(leaderContext());
  assert.equal(noCarrier.healthy, false);
  assert.match(noCarrier.healthy ? '' : noCarrier.reason, /no carrier/);
  await runCommand('ip', ['link', 'set', n1.port, 'up']);
  await waitFor('carrier back', async () => (await linkState(where)).carrier);
  const healed = await r.monitor(leaderContext());
  assert.deepEqual(healed, { healthy: true, detail: 'carrier back: announced again' });

  await runCommand('ip', ['-n', n1.netns, 'addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
  const gone = await r.monitor(leaderContext());
  assert.equal(gone.healthy, false);

  // A VIP left on the interface by an earlier run: cleanup (no leadership) removes it and says so.
  await runCommand('ip', ['-n', n1.netns, 'addr', 'add', `${VIP}/24`, 'dev', 'eth0']);
  const log = capturedLog();
  await vip(n1.netns).cleanup(stopContext({ token: 0, log: log.log }));
  assert.equal(await hasAddress(where, VIP), false);
  assert.ok(log.entries.some((e) => String(e['msg']).includes('without a valid lease')));
  assert.deepEqual(
    (await listAddresses(where)).map((a) => a.address),
    ['198.18.0.1'],
    'the node address is untouched',
  );
});

test('vip: bad config and a missing interface give precise errors', async (t) => {
  for (const address of ['198.18.0.300/24', '198.18.0.1/33', 'vip.example/24', '198.18.0.1/24/1']) {
    const r = vipSchema.safeParse({ kind: 'vip', name: 'v', address, interface: 'eth0' });
    assert.equal(r.success, false, address);
    assert.match(r.error!.issues[0]!.message, /IPv4 address with its prefix length/);
  }
  assert.equal(vipSchema.safeParse({ kind: 'vip', name: 'v', address: '198.18.0.1/24' }).success, false, 'interface is required');
  assert.equal(
    vipSchema.safeParse({ kind: 'vip', name: 'v', address: '198.18.0.1/24', interface: 'eth0', garp: { count: -1 } }).success,
    false,
  );
  assert.equal(
    vipSchema.safeParse({ kind: 'vip', name: 'v', address: '198.18.0.1/24', interface: 'eth0', extra: 1 }).success,
    false,
    'unknown keys are refused',
  );

  const l = await lab(t, { n1: '198.18.0.1' });
  if (!l) return;
  const r = new VipResource(
    vipSchema.parse({ kind: 'vip', name: 'v', address: `${VIP}/24`, interface: 'nope0', netns: l.host('n1').netns }),
  );
  await assert.rejects(r.start(leaderContext()), (err: Error) => {
    assert.ok(hasCode(err, 'HOLDFAST_E_RESOURCE_FAILED'));
    assert.match(err.message, /nope0.*check the interface name/);
    return true;
  });
});

test(
  'vip: a duplicate check prepared during the campaign is used while fresh (and still refuses a duplicate), never ' + 'once stale',
  async (t) => {
    const l = await lab(t, { n1: '198.18.0.1', n2: '198.18.0.2' });
    if (!l) return;
    const [n1, n2] = [l.host('n1'), l.host('n2')];
    const where2 = { dev: 'eth0', netns: n2.netns };
    const done = (log: ReturnType<typeof capturedLog>) => log.entries.find((e) => typeof e['prepared'] === 'boolean');

    // Fresh and clean: start() uses it instead of probing again.
    const b = vip(n2.netns);
    b.prepare();
    const logB = capturedLog();
    await b.start(leaderContext({ log: logB.log }));
    assert.equal(done(logB)?.['prepared'], true, 'the prepared check was used');
    assert.ok(await hasAddress(where2, VIP));
    await b.stop(stopContext());

    // A duplicate seen by the prepared check is refused like any other.
    const a = vip(n1.netns);
    await a.start(leaderContext());
    const b2 = vip(n2.netns);
    b2.prepare();
    await assert.rejects(b2.start(leaderContext()), (err: Error) => hasCode(err, 'HOLDFAST_E_VIP_DUPLICATE'));
    assert.equal(await hasAddress(where2, VIP), false);

    // Stale: a clean result that ended more than PREPARED_FRESH_MS ago is not trusted — the
    // holder that appeared since is found by a new probe.
    await a.stop(stopContext());
    const b3 = vip(n2.netns);
    b3.prepare();
    await new Promise((r) => setTimeout(r, 150 + PREPARED_FRESH_MS + 300)); // the probe (150 ms) ended, then went stale
    await a.start(leaderContext({ token: 13 }));
    const logB3 = capturedLog();
    await assert.rejects(b3.start(leaderContext({ log: logB3.log })), (err: Error) => hasCode(err, 'HOLDFAST_E_VIP_DUPLICATE'));
    assert.equal(done(logB3)?.['prepared'], false, 'probed again');
    await a.stop(stopContext());
  },
);
