// cgroup drivers: v2 against a fake cgroupfs tree in a temp dir (the same driver on a real v2
// kernel: cgroup-v2-kernel.serial.test.ts), v1 for real, the limits mapping, and detection that
// says why when it cannot use cgroups.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { detectCgroups } from '../src/cgroup/detect.ts';
import { v1LimitWrites, v2LimitWrites } from '../src/cgroup/limits.ts';
import type { SupervisorEvent } from '../src/index.ts';
import { fixtures, startSupervisor, waitState, writeConfig } from './helpers.ts';

const limits = {
  cpu: 1.5,
  memory: 64 * 2 ** 20,
  memoryHigh: 48 * 2 ** 20,
  pids: 100,
  ioReadBps: 2 ** 20,
  ioWriteBps: 2 ** 21,
  ioDevice: '8:0',
};

function fakeV2(t: Parameters<typeof tempDir>[0]) {
  const root = tempDir(t, 'hf-cg2-');
  const own = join(root, 'system.slice', 'app.service');
  for (const d of [root, own]) {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids\n');
    writeFileSync(join(d, 'cgroup.subtree_control'), '');
  }
  writeFileSync(join(own, 'cgroup.procs'), `${process.pid}\n`);
  return { root, own, selfCgroup: '0::/system.slice/app.service\n' };
}

test('limits map to the files of each cgroup version', () => {
  assert.deepEqual(
    v2LimitWrites(limits, '8:0').map((w) => `${w.file}=${w.value}`),
    [
      'cpu.max=150000 100000',
      'memory.high=50331648',
      'memory.max=67108864',
      'memory.swap.max=0',
      'pids.max=100',
      'io.max=8:0 rbps=1048576 wbps=2097152',
    ],
  );
  assert.deepEqual(
    v1LimitWrites(limits, '8:0', true).map((w) => `${w.controller}/${w.file}=${w.value}`),
    [
      'cpu/cpu.cfs_period_us=100000',
      'cpu/cpu.cfs_quota_us=150000',
      'memory/memory.soft_limit_in_bytes=50331648',
      'memory/memory.limit_in_bytes=67108864',
      'memory/memory.memsw.limit_in_bytes=67108864',
      'pids/pids.max=100',
      'blkio/blkio.throttle.read_bps_device=8:0 1048576',
      'blkio/blkio.throttle.write_bps_device=8:0 2097152',
    ],
  );
});

test('cgroup v2 (fake tree): the daemon moves into a leaf, enables controllers, writes limits, reads OOM kills', (t) => {
  const { root, own, selfCgroup } = fakeV2(t);
  const det = detectCgroups({ root, selfCgroup, daemonId: 'cfg-1234' });
  assert.ok(det.driver, det.driver ? '' : det.reason);
  assert.equal(det.driver.version, 2);
  assert.equal(
    readFileSync(join(own, 'supervisor', 'cgroup.procs'), 'utf8').trim(),
    String(process.pid),
    'no internal processes: the daemon sits in a leaf',
  );
  assert.ok(existsSync(join(own, 'holdfast', 'cfg-1234', 'cgroup.subtree_control')), 'controllers enabled down to the daemon subtree');
  const { handle, warnings } = det.driver.open('web', limits, '/');
  assert.deepEqual(warnings, []);
  const dir = join(own, 'holdfast', 'cfg-1234', 'web');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  assert.equal(read('cpu.max'), '150000 100000');
  assert.equal(read('memory.max'), String(64 * 2 ** 20));
  assert.equal(read('memory.high'), String(48 * 2 ** 20));
  assert.equal(read('pids.max'), '100');
  assert.equal(read('io.max'), '8:0 rbps=1048576 wbps=2097152');
  assert.deepEqual(handle.procsFiles, [join(dir, 'cgroup.procs')]);
  assert.equal(handle.oomKills(), 0);
  writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 2\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n');
  assert.equal(handle.oomKills(), 1);
  writeFileSync(join(dir, 'memory.current'), '12345\n');
  writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 2500000\nuser_usec 2000000\n');
  assert.deepEqual(handle.stats(), { memoryBytes: 12345, cpuUsec: 2_500_000 });
  assert.deepEqual(det.driver.leftovers(), ['web']);
  // An update without limits puts them back to max.
  det.driver.open('web', undefined, '/');
  assert.equal(read('memory.max'), 'max');
  assert.equal(read('cpu.max'), 'max 100000');
});

test('cgroup v2 (fake tree): a real child joins its cgroup before exec, and an OOM kill is reported', async (t) => {
  const { root, own, selfCgroup } = fakeV2(t);
  const det = detectCgroups({ root, selfCgroup, daemonId: 'cfg-oom' });
  const { config } = await writeConfig(
    t,
    `programs:\n  web:\n` +
      `    command: ${join(fixtures, 'ignore-term.sh')}\n    ready: {afterMs: 0}\n    limits: ` +
      `{memory: 64MiB}\n    backoff: {initialMs: 60s, maxMs: 60s}\n    stopTimeoutMs: 300\n`,
  );
  const sup = await startSupervisor(t, config, { cgroups: det });
  const events: SupervisorEvent[] = [];
  sup.on('event', (e: SupervisorEvent) => events.push(e));
  const r = await waitState(sup, 'web', 'READY');
  const dir = join(own, 'holdfast', 'cfg-oom', 'web');
  assert.equal(
    readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim(),
    String(r.pid),
    'the wrapper wrote the pid that then exec’d the program',
  );
  assert.equal(readFileSync(join(dir, 'memory.max'), 'utf8'), String(64 * 2 ** 20));
  // The kernel's part, played by the test: count an OOM kill and SIGKILL the process.
  writeFileSync(join(dir, 'memory.events'), 'oom 1\noom_kill 1\n');
  process.kill(r.pid!, 'SIGKILL');
  await waitState(sup, 'web', (x) => x.state.lastExit?.reason === 'oom');
  assert.equal(r.state.oomKills, 1);
  assert.ok(events.some((e) => e.type === 'oom'));
});

test('cgroup v1 (real): limits land in the kernel files and the child is inside before it runs', async (t) => {
  const { config } = await writeConfig(
    t,
    `programs:\n  capped:\n` +
      `    command: ${join(fixtures, 'ignore-term.sh')}\n    ready: {afterMs: 0}\n    limits: ` +
      `{cpu: 0.5, pids: 50, memory: 256MiB}\n    stopTimeoutMs: 300\n`,
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'capped', 'READY');
  assert.equal(sup.cgroups?.version, 1);
  const dirOf = (ctrl: string) =>
    join(
      r.cgroup!.procsFiles.find((f) => f.includes(`/${ctrl}/`))!,
      '..',
    );
  assert.equal(readFileSync(join(dirOf('cpu'), 'cpu.cfs_quota_us'), 'utf8').trim(), '50000');
  assert.equal(readFileSync(join(dirOf('pids'), 'pids.max'), 'utf8').trim(), '50');
  assert.equal(readFileSync(join(dirOf('memory'), 'memory.limit_in_bytes'), 'utf8').trim(), String(256 * 2 ** 20));
  const cg = readFileSync(`/proc/${r.pid}/cgroup`, 'utf8');
  assert.match(cg, new RegExp(`pids:.*/holdfast/${config.id}/capped`));
  assert.match(cg, new RegExp(`memory:.*/holdfast/${config.id}/capped`));
});

test('detection says why it cannot use cgroups', (t) => {
  const empty = tempDir(t, 'hf-cg-');
  const none = detectCgroups({ root: empty, selfCgroup: '', daemonId: 'x' });
  assert.equal(none.driver, undefined);
  assert.match((none as { reason: string }).reason, /no cgroup file system found/);
  const blocked = tempDir(t, 'hf-cg-');
  mkdirSync(join(blocked, 'memory'));
  writeFileSync(join(blocked, 'memory', 'holdfast'), 'not a directory');
  const bad = detectCgroups({ root: blocked, selfCgroup: '4:memory:/\n', daemonId: 'x' });
  assert.equal(bad.driver, undefined);
  assert.match((bad as { reason: string }).reason, /cgroup v1 at .* is not writable: memory: .*(ENOTDIR|EEXIST|not a directory)/);
});
