import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateMiner } from '@holdfast/insight';

// The template a single message gets: its masked form (nothing is learned from one message).
const masked = (message: string, masks = {}) => new TemplateMiner({ masks }).add(message).template;

test('numbers, signed numbers and digit-led runs are values; the constant parts around them stay', () => {
  assert.equal(
    masked('PacketResponder 1 for block blk_-6952295868487656571 terminating'),
    'PacketResponder <*> for block blk_<*> terminating',
  );
  assert.equal(masked('auto=-1 adj=0.0 at 2015-10-18'), 'auto=<*> adj=<*>.<*> at <*>-<*>-<*>');
  assert.equal(masked('took 250ms (4G heap, 9f4ef63)'), 'took <*> (<*> heap, <*>)');
});

test('identifiers that end in a digit are words (wl0, ssh2, u0), hex strings of 6+ are values', () => {
  assert.equal(masked('wl0: port ssh2 user u0 token de9231d a64f992'), 'wl0: port ssh2 user u0 token <*> <*>');
  assert.equal(masked('face cafe12'), 'face <*>');
});

test('word_ ids keep their prefix and lose everything after the first value', () => {
  assert.equal(masked('Launching attempt_1445144423722_0020_m_000000_0 and rdd_2_0'), 'Launching attempt_<*> and rdd_<*>');
  assert.equal(masked('CONTAINER_REMOTE_LAUNCH x86'), 'CONTAINER_REMOTE_LAUNCH x86');
});

test('IPv4 (port apart), IPv6, MAC and UUID are one value each', () => {
  assert.equal(masked('from 10.251.73.220:50010 to /10.0.0.1'), 'from <*>:<*> to /<*>');
  assert.equal(masked('addr fe80::1c5f:9b2d:4c44:2f7f%en0 mac 00:1b:44:11:3a:b7'), 'addr <*> mac <*>');
  assert.equal(masked('req 123e4567-e89b-12d3-a456-426614174000 done'), 'req <*> done');
  assert.equal(masked('version 1.2.3.4.5'), 'version <*>.<*>.<*>.<*>.<*>');
});

test('host names: dotted names ending in a top-level domain, and name:port', () => {
  assert.equal(masked('Resolved MININT-FNANLI5.fareast.corp.microsoft.com to /default-rack'), 'Resolved <*> to /default-rack');
  assert.equal(masked('connect to msra-sa-41:8030 via msra-sa-41/10.190.173.170:8030'), 'connect to <*>:<*> via <*>/<*>:<*>');
  assert.equal(masked('class com.apple.xpc.launchd loaded'), 'class com.apple.xpc.launchd loaded', 'reverse-DNS names are not hosts');
});

test('URLs with a digit lose their body, constant URLs stay', () => {
  assert.equal(masked('Input split: hdfs://10.10.34.11:9000/pjhe/test/1/part-00001:0+67108864'), 'Input split: hdfs://<*>');
  assert.equal(masked('see http://wiki.apache.org/hadoop/NoRouteToHost'), 'see http://wiki.apache.org/hadoop/NoRouteToHost');
  assert.equal(masked('addresses :[akka.tcp://sparkExecutor@10.10.34.11:55904]'), 'addresses :[akka.tcp://<*>]');
});

test('month and weekday names next to a value, and size units after a number, are values', () => {
  assert.equal(masked('connection at Sun Jul 17 23:21:54 2005'), 'connection at <*> <*> <*> <*>:<*>:<*> <*>');
  assert.equal(masked('May I come in on Monday'), 'May I come in on Monday');
  assert.equal(masked('estimated size 2.1 KB, free 317.5 MB'), 'estimated size <*>.<*> <*>, free <*>.<*> <*>');
});

test('each mask can be turned off, and the optional ones on', () => {
  assert.equal(masked('pid 42', { numbers: false }), 'pid 42');
  assert.equal(masked('from 10.0.0.1', { ip: false }), 'from <*>.<*>.<*>.<*>');
  assert.equal(masked('open /var/lib/data/x.db', { paths: true }), 'open <*>');
  assert.equal(masked('name="checkout" ok', { quoted: true }), 'name="<*>" ok');
  assert.equal(masked('took 1.5s', { durations: true }), 'took <*>');
  assert.equal(masked('took 1.5s'), 'took <*>.<*>');
});

test('custom masks run on the whole message first, and their values come first in params', () => {
  const m = new TemplateMiner({ masks: { custom: [{ name: 'order', pattern: 'ORD-[A-Z]+' }] } });
  const r = m.add('order ORD-ABC shipped to 10.0.0.1');
  assert.equal(r.template, 'order <*> shipped to <*>');
  assert.deepEqual(r.params, ['ORD-ABC', '10.0.0.1']);
});
