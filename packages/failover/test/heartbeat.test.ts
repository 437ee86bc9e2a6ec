// Signed UDP heartbeats: the packet format, the replay window, and two real agents' sockets
// exchanging heartbeats on loopback while forged and replayed datagrams are dropped and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { cleanup, waitFor } from '@holdfast/testkit';
import { decodePacket, encodePacket, type HeartbeatBody } from '../src/heartbeat/packet.ts';
import { ReplayWindow } from '../src/heartbeat/replay-window.ts';
import { Heartbeats } from '../src/heartbeat/heartbeat.ts';
import { systemClock } from '../src/clock.ts';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const keys = new Map([['k1', key]]);
const body: HeartbeatBody = { cluster: 'c', node: 'a', seq: 42, role: 'leader', token: 7, healthy: true, priority: 100, leader: 'a' };

test('a signed packet round-trips; any flipped byte, unknown key or truncation is refused', () => {
  const p = encodePacket(body, 'k1', key);
  assert.deepEqual(decodePacket(p, keys), { ok: true, keyId: 'k1', body });
  for (const i of [0, 4, 8, p.length - 40, p.length - 1]) {
    const bad = Buffer.from(p);
    bad[i] = bad[i]! ^ 0x01;
    const r = decodePacket(bad, keys);
    assert.equal(r.ok, false, `byte ${i} flipped`);
  }
  assert.deepEqual(decodePacket(encodePacket(body, 'k2', key), keys), { ok: false, error: 'unknown_key' });
  assert.deepEqual(decodePacket(encodePacket(body, 'k1', Buffer.from('another secret of 32 bytes......')), keys), {
    ok: false,
    error: 'bad_mac',
  });
  assert.deepEqual(decodePacket(p.subarray(0, p.length - 1), keys), { ok: false, error: 'malformed' });
  assert.deepEqual(decodePacket(Buffer.from('hello'), keys), { ok: false, error: 'malformed' });
});

test('key rotation: a receiver holding old and new keys accepts both', () => {
  const next = Buffer.from('fedcba9876543210fedcba9876543210');
  const both = new Map([
    ['k1', key],
    ['k2', next],
  ]);
  assert.equal(decodePacket(encodePacket(body, 'k1', key), both).ok, true);
  assert.equal(decodePacket(encodePacket(body, 'k2', next), both).ok, true);
});

test('the replay window accepts new and reordered numbers once, refuses repeats and ancient ones', () => {
  const w = new ReplayWindow(8);
  assert.equal(w.accept(10), true);
  assert.equal(w.accept(10), false, 'repeat');
  assert.equal(w.accept(8), true, 'reordered inside the window');
  assert.equal(w.accept(8), false);
  assert.equal(w.accept(2), false, 'older than the window');
  assert.equal(w.accept(100), true, 'a big jump (restarted sender) slides the window');
  assert.equal(w.accept(93), true);
  assert.equal(w.accept(92), false, 'now out of the window');
  assert.equal(w.accept(-1), false);
  assert.equal(w.accept(1.5), false);
});

test('forged, replayed, unknown and malformed datagrams are dropped and counted by reason', async (t) => {
  const b = new Heartbeats({
    cluster: 'c',
    node: 'b',
    listen: { host: '127.0.0.1', port: 0 },
    peers: [{ node: 'a', host: '127.0.0.1', port: 9 }],
    keys: [{ id: 'k1', secret: key }],
    intervalMs: 1000,
    clock: systemClock,
    local: () => ({ role: 'follower', token: null, healthy: true, priority: 100, leader: null }),
  });
  await b.start();
  cleanup(t, () => b.stop());
  const bPort = b.port;
  const sender = createSocket('udp4');
  cleanup(t, () => sender.close());
  const sendTo = async (port: number, buf: Buffer) => {
    sender.send(buf, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 20));
  };
  // A genuine packet from "a" to b, captured and replayed.
  const genuine = encodePacket({ ...body, node: 'a', cluster: 'c', seq: Date.now() * 1000 + 10_000_000 }, 'k1', key);
  await sendTo(bPort, genuine);
  await waitFor('b to accept a', () => b.peers().find((p) => p.node === 'a')?.alive);
  await sendTo(bPort, genuine);
  await sendTo(
    bPort,
    encodePacket({ ...body, node: 'a', seq: Date.now() * 1000 + 20_000_000 }, 'k1', Buffer.from('wrong key, same id, 32 bytes....')),
  );
  await sendTo(bPort, encodePacket({ ...body, node: 'a', seq: Date.now() * 1000 + 30_000_000 }, 'nope', key));
  await sendTo(bPort, encodePacket({ ...body, node: 'mallory', seq: 1 }, 'k1', key));
  await sendTo(bPort, encodePacket({ ...body, cluster: 'other', seq: 1 }, 'k1', key));
  await sendTo(bPort, Buffer.from('garbage'));
  await waitFor('drops to be counted', () => b.counters.dropped.malformed >= 1);
  assert.deepEqual(b.counters.dropped, { malformed: 1, unknown_key: 1, bad_mac: 1, replay: 1, wrong_cluster: 1, unknown_peer: 1, self: 0 });
  const seen = b.peers().find((p) => p.node === 'a')!;
  assert.equal(seen.role, 'leader');
  assert.equal(seen.token, 7);
  assert.equal(b.peerHealthy('a'), true);
  assert.equal(b.higherPriorityAlive(100), 0, 'priority 100 is not above 100');
  assert.equal(b.higherPriorityAlive(50), 1);
});

test('a live pair exchanges heartbeats, and a silent peer is reported down after 3 intervals', async (t) => {
  const key2 = key;
  const mk = (node: string, peerNode: string, peerPort: number, port: number) =>
    new Heartbeats({
      cluster: 'c',
      node,
      listen: { host: '127.0.0.1', port },
      peers: [{ node: peerNode, host: '127.0.0.1', port: peerPort }],
      keys: [{ id: 'k1', secret: key2 }],
      intervalMs: 50,
      clock: systemClock,
      local: () => ({ role: 'follower', token: null, healthy: true, priority: 100, leader: null }),
    });
  const { freePort } = await import('@holdfast/testkit');
  const pa = await freePort();
  const pb = await freePort();
  const a = mk('a', 'b', pb, pa);
  const b = mk('b', 'a', pa, pb);
  await a.start();
  await b.start();
  cleanup(t, () => a.stop());
  cleanup(t, () => b.stop());
  await waitFor('both to see each other', () => a.peers()[0]?.alive && b.peers()[0]?.alive);
  const down = once(a, 'peer');
  await b.stop();
  const [status] = (await down) as [{ node: string; alive: boolean }];
  assert.deepEqual([status.node, status.alive], ['b', false]);
  assert.equal(b.counters.dropped.replay + a.counters.dropped.replay, 0, 'genuine traffic is never taken for a replay');
});

test('bad input: no key, or a send key that is not listed, is a config error', () => {
  const base = {
    cluster: 'c',
    node: 'a',
    listen: { host: '127.0.0.1', port: 0 },
    peers: [],
    intervalMs: 100,
    clock: systemClock,
    local: () => ({ role: 'x', token: null, healthy: true, priority: 1, leader: null }),
  };
  assert.throws(() => new Heartbeats({ ...base, keys: [] }), /at least one key/);
  assert.throws(() => new Heartbeats({ ...base, keys: [{ id: 'k1', secret: key }], sendKeyId: 'k9' }), /'k9' is not among the keys \(k1\)/);
});
