// The edges of reading a supervisord.conf: group priority orders start and stop as supervisord
// does, a missing or empty [supervisord] section is pointed out, binary input is refused in one
// line, a flood of problems is listed 50 at a time with a count, warnings point at the key's own
// line, and the key = value split takes linear time however long the line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '@holdfast/config';
import { tempDir } from '@holdfast/testkit';
import { loadSupervisorConfig, readSupervisordConf } from '../src/index.ts';
import { parseIni } from '../src/supervisord/ini.ts';
import { byPriority, dependencyMap, stopWaves } from '../src/runner/order.ts';
import { startSupervisor, waitState } from './helpers.ts';

type T = Parameters<typeof tempDir>[0];

function conf(t: T, text: string | Buffer): string {
  const file = join(tempDir(t), 'supervisord.conf');
  writeFileSync(file, text);
  return file;
}

const GROUPED =
  '[supervisord]\nnodaemon=true\n' +
  '[group:late]\nprograms=a,b\npriority=900\n' +
  '[program:a]\ncommand=sleep 1000\npriority=1\nstartsecs=0\n' +
  '[program:b]\ncommand=sleep 1000\npriority=2\nstartsecs=0\n' +
  '[program:c]\ncommand=sleep 1000\npriority=500\nstartsecs=0\n' +
  '[group:plain]\nprograms=d\n' +
  '[program:d]\ncommand=sleep 1000\npriority=10\nstartsecs=0\n';

test(
  'a group priority ranks its programs as in supervisord: start lowest rank first, stop one rank at a time, ' + 'highest first',
  async (t) => {
    const file = conf(t, GROUPED);
    const { config, warnings } = readSupervisordConf(file);
    // [group:plain] sets no priority: supervisord ranks it at its default, 999, whatever d's own says.
    assert.deepEqual(config.groups, { late: { programs: ['a', 'b'], priority: 900 }, plain: { programs: ['d'], priority: 999 } });
    assert.deepEqual(warnings, []);
    const cfg = await loadSupervisorConfig(file);
    const start = Object.keys(cfg.programs).sort(byPriority(cfg.programs, cfg.groups));
    assert.deepEqual(start, ['c', 'a', 'b', 'd'], 'c (500) before the group late (900), a before b inside it, d last (999)');
    assert.deepEqual(stopWaves(Object.keys(cfg.programs), dependencyMap(cfg.programs, cfg.groups), cfg.programs, cfg.groups), [
      ['d'],
      ['b', 'a'],
      ['c'],
    ]);

    // With real processes: the order of the state changes the supervisor announces.
    const dir = tempDir(t);
    const yaml = join(dir, 'holdfast.yaml');
    writeFileSync(
      yaml,
      `supervisor: {socket: ${dir}/s.sock, stateDir: ${dir}/state, logDir: ${dir}/logs, logLevel: warn}\n` +
        `programs:\n${['a:1', 'b:2', 'c:500', 'd:10']
          .map((x) => `  ${x.split(':')[0]}: {command: sleep 1000, ` + `priority: ${x.split(':')[1]}, ready: {afterMs: 0}}\n`)
          .join('')}` +
        'groups:\n  late: {programs: [a, b], priority: 900}\n  plain: {programs: [d], priority: 999}\n',
    );
    const sup = await startSupervisor(t, await loadSupervisorConfig(yaml));
    const order: string[] = [];
    sup.on('event', (e: { type: string; instance?: string; to?: string }) => e.type === 'state' && order.push(`${e.instance} ${e.to}`));
    for (const p of ['a', 'b', 'c', 'd']) await waitState(sup, p, 'READY');
    order.length = 0;
    await sup.stopTargets(['all']);
    const stopped = order.filter((o) => o.endsWith('STOPPED')).map((o) => o.split(' ')[0]);
    assert.deepEqual(stopped.slice(0, 1), ['d']);
    assert.deepEqual(stopped.slice(1, 3).sort(), ['a', 'b']);
    assert.deepEqual(stopped.slice(3), ['c']);
    const stoppingOfC = order.indexOf('c STOPPING');
    assert.ok(
      stoppingOfC > order.indexOf('a STOPPED') && stoppingOfC > order.indexOf('b STOPPED'),
      'a rank is stopped only once the higher one is down',
    );
  },
);

test('a file without a [supervisord] section, or with an empty one, gets a warning', (t) => {
  const none = readSupervisordConf(conf(t, '[program:web]\ncommand=/bin/web\n'));
  assert.equal(none.warnings.length, 1);
  assert.equal(none.warnings[0]!.line, undefined);
  assert.match(none.warnings[0]!.message, /there is no \[supervisord\] section: supervisord refuses such a file/);
  const empty = readSupervisordConf(conf(t, '; top\n[supervisord]\n\n[program:web]\ncommand=/bin/web\n'));
  assert.deepEqual(
    empty.warnings.map((w) => [w.line, w.section]),
    [[2, 'supervisord']],
  );
  assert.match(empty.warnings[0]!.message, /the \[supervisord\] section is empty/);
  assert.deepEqual(readSupervisordConf(conf(t, '[supervisord]\nnodaemon=true\n[program:web]\ncommand=/bin/web\n')).warnings, []);
});

test('binary input is refused in one line', (t) => {
  for (const [bytes, why] of [
    [
      Buffer.concat([Buffer.from('[program:x]\ncommand='), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]), Buffer.alloc(200_000, 0xff)]),
      /it is binary, not a supervisord\.conf \(a NUL byte at offset 24\)/,
    ],
    [Buffer.from([0x5b, 0xc3, 0x28, 0x5d, 0x0a]), /it is not UTF-8 text/],
  ] as const) {
    const file = conf(t, bytes);
    assert.throws(
      () => readSupervisordConf(file),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.issues.length, 1);
        assert.match(err.issues[0]!.message, why);
        assert.equal(err.message.split('\n').length, 2, 'a heading and one line');
        return true;
      },
    );
  }
});

test('a flood of problems: the first 50 listed, then how many more; every one kept in the issues', (t) => {
  const lines = Array.from({ length: 120 }, (_, i) => `startsecs${i}`).join('\n');
  const file = conf(t, `[supervisord]\nnodaemon=true\n[program:web]\ncommand=/bin/web\n${lines}\n`);
  assert.throws(
    () => readSupervisordConf(file),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues.length, 120);
      const shown = err.message.split('\n').slice(1);
      assert.equal(shown.length, 51);
      assert.match(shown[0]!, /:5 {2}program:web: 'startsecs0' is not a 'key = value' line/);
      assert.match(shown[50]!, /^… and 70 more errors \(120 in all; fix the first ones and read again\)$/);
      return true;
    },
  );
});

test('warnings name the line of the key they are about, not the section header', (t) => {
  const { warnings } = readSupervisordConf(
    conf(
      t,
      '[supervisord]\nnodaemon=true\n[program:web]\ncommand=/bin/web a ; b\n\nstopasgroup=false\nkillasgroup=false\n' +
        'directory=rel\n[unix_http_server]\nfile=/tmp/x.sock\nchown=nobody\nchmod=0777\n',
    ),
  );
  const at = Object.fromEntries(warnings.map((w) => [w.key ?? '', w.line]));
  assert.equal(at.stopasgroup, 6);
  assert.equal(at.killasgroup, 7);
  assert.equal(at.directory, 8);
  assert.equal(at.chown, 11);
  assert.equal(at.chmod, 12);
});

test('the key = value split takes linear time: 1 MB lines parse in well under a second', () => {
  const cases = [
    `[program:a]\nk${' '.repeat(1_000_000)}x\n`, // no separator after a long run of spaces (was quadratic: minutes)
    `[program:a]\nk${' '.repeat(1_000_000)}= v${' '.repeat(1_000_000)}\n`,
    `[program:a]\ncommand=${'x'.repeat(1_000_000)}\n`,
    `[program:a]\n${' :'.repeat(500_000)}\n`,
  ];
  for (const text of cases) {
    const t0 = performance.now();
    const r = parseIni(text, 'f');
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `${ms.toFixed(0)} ms for a ${text.length}-byte line`);
    assert.ok(r.errors.length + r.sections[0]!.entries.length >= 1);
  }
  assert.equal(
    parseIni(`[program:a]\nk${' '.repeat(1000)}= v  \n`, 'f').sections[0]!.entries[0]!.value,
    'v',
    'the value is what follows the separator, stripped',
  );
  assert.equal(parseIni('[program:a]\nk : v=w\n', 'f').sections[0]!.entries[0]!.value, 'v=w', 'split at the first = or :');
});
