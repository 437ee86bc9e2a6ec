// The cgroup v2 driver against a real v2 kernel. Not picked up by the test runner on its own
// (the name does not end in .test.ts): cgroup-v2-kernel.serial.test.ts runs it, inside a VM
// when this machine's v2 tree has no controllers, directly when it has. Run anywhere else it
// fails at once: its point is the kernel, a fake tree proves nothing here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { tempDir, waitFor } from '@holdfast/testkit';
import { detectCgroups } from '../../src/cgroup/detect.ts';
import type { SupervisorEvent } from '../../src/index.ts';
import { isAlive } from '../../src/process/proc.ts';
import { fixtures, startSupervisor, waitState, writeConfig } from '../helpers.ts';

const MiB = 2 ** 20;
const ROOT = '/sys/fs/cgroup';
const ownCgroup = () => /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '';

before(() => {
  const controllers = readFileSync(join(ROOT, 'cgroup.controllers'), 'utf8');
  for (const c of ['cpu', 'memory', 'pids'])
    assert.ok(
      controllers.split(/\s+/).includes(c),
      `${ROOT} is not a cgroup v2 tree with the ${c} controller (controllers: ${controllers.trim() || 'none'})`,
    );
  assert.notEqual(ownCgroup(), '/', 'run in a delegated cgroup, not the root (as systemd with Delegate=yes does)');
});

test('detection: the daemon moves itself into a leaf and enables cpu, memory and pids down to its subtree', () => {
  const own = ownCgroup();
  const det = detectCgroups({ daemonId: 'kernel-detect' });
  assert.ok(det.driver, det.driver ? '' : det.reason);
  assert.equal(det.driver.version, 2);
  for (const c of ['cpu', 'memory', 'pids']) assert.ok(det.driver.description.includes(c), det.driver.description);
  const now = ownCgroup();
  assert.equal(now, join(own, 'supervisor'), 'the kernel forbids processes beside delegated controllers: the daemon sits in a leaf');
  const control = readFileSync(join(ROOT, own, 'holdfast', 'kernel-detect', 'cgroup.subtree_control'), 'utf8');
  assert.match(control, /cpu/);
  assert.match(control, /memory/);
  assert.match(control, /pids/);
  det.driver.dispose();
});

test('limits land in the kernel files, and the program is inside its cgroup before its first instruction', async (t) => {
  const dir = tempDir(t, 'hf-sup-');
  const { config } = await writeConfig(
    t,
    `programs:\n  capped:\n    command: [sh, -c, 'cat /proc/self/cgroup; exec sleep 1000']\n    ready: {afterMs: 0}\n` +
      `    limits: {cpu: 0.5, memory: 96MiB, memoryHigh: 80MiB, pids: 50}\n    stopTimeoutMs: 500\n`,
    { dir },
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'capped', 'READY', 60_000);
  assert.equal(sup.cgroups?.version, 2);
  const cg = join(r.cgroup!.procsFiles[0]!, '..');
  const read = (f: string) => readFileSync(join(cg, f), 'utf8').trim();
  assert.equal(read('cpu.max'), '50000 100000');
  assert.equal(read('memory.max'), String(96 * MiB));
  assert.equal(read('memory.high'), String(80 * MiB));
  assert.equal(read('pids.max'), '50');
  assert.match(readFileSync(`/proc/${r.pid}/cgroup`, 'utf8'), new RegExp(`^0::.*/holdfast/${config.id}/capped$`, 'm'));
  // What the program printed first, before anything else ran: it was already inside.
  const stdout = await waitFor(
    'the first line of output',
    () => {
      const text = readFileSync(join(dir, 'logs', 'capped.stdout.log'), 'utf8');
      return text.includes('0::') ? text : undefined;
    },
    { timeoutMs: 30_000 },
  );
  assert.match(stdout, new RegExp(`^0::.*/holdfast/${config.id}/capped$`, 'm'));
});

test('a program allocating past memory.max is OOM-killed by the kernel and reported as oom', async (t) => {
  // dash keeps a command substitution's whole output in memory: 256 MB of it passes a 32 MiB limit.
  const { config } = await writeConfig(
    t,
    `programs:\n  hog:\n    command: [sh, -c, 'x=$(head -c 268435456 /dev/zero | tr "\\\\000" a); sleep 1000']\n` +
      `    ready: {afterMs: 0}\n    limits: {memory: 32MiB}\n    backoff: {initialMs: 60s, maxMs: 60s}\n` +
      `    autorestart: on-failure\n`,
  );
  const sup = await startSupervisor(t, config);
  const events: SupervisorEvent[] = [];
  sup.on('event', (e: SupervisorEvent) => events.push(e));
  const r = await waitState(sup, 'hog', (x) => x.state.oomKills >= 1 && x.state.lastExit?.reason === 'oom', 120_000);
  assert.equal(r.state.lastExit?.signal, 'SIGKILL');
  assert.ok(
    events.some((e) => e.type === 'oom' && e.instance === 'hog'),
    'an oom event',
  );
  const memoryEvents = readFileSync(join(r.cgroup!.procsFiles[0]!, '..', 'memory.events'), 'utf8');
  assert.match(memoryEvents, /^oom_kill [1-9]/m, 'the kernel counted it');
});

test('pids.max is enforced by the kernel: forks past it fail and pids.events counts them', async (t) => {
  const { config } = await writeConfig(
    t,
    `programs:\n  forker:\n    command: [sh, -c, 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 1000 & done; echo ` +
      `forked; exec sleep 1000']\n    ready: {afterMs: 0}\n    limits: {pids: 6}\n    stopTimeoutMs: 500\n`,
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'forker', 'READY', 60_000);
  const cg = join(r.cgroup!.procsFiles[0]!, '..');
  const events = await waitFor(
    'a refused fork in pids.events',
    () => {
      const text = readFileSync(join(cg, 'pids.events'), 'utf8');
      return /^max [1-9]/m.test(text) ? text : undefined;
    },
    { timeoutMs: 60_000 },
  );
  assert.match(events, /^max [1-9]/m);
  assert.ok(r.cgroup!.pids().length <= 6, `at most 6 processes in the cgroup, found ${r.cgroup!.pids().length}`);
});

test('stop empties the cgroup through cgroup.kill: a daemonized grandchild ignoring SIGTERM goes too', async (t) => {
  const dir = tempDir(t, 'hf-sup-');
  const pidFile = join(dir, 'grandchild.pid');
  const { config } = await writeConfig(
    t,
    `programs:\n  forker:\n    command: ` +
      `[${join(fixtures, 'daemonize.sh')}, ${pidFile}]\n    ready: {afterMs: 0}\n` +
      `    stopTimeoutMs: 1000\n`,
    { dir },
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'forker', 'READY', 60_000);
  const grandchild = await waitFor(
    'the grandchild pid',
    () => {
      try {
        return Number(readFileSync(pidFile, 'utf8'));
      } catch {
        return 0;
      }
    },
    { timeoutMs: 60_000 },
  );
  assert.ok(isAlive(grandchild));
  await sup.stopTargets(['forker']);
  assert.equal(isAlive(r.pid!), false, 'the child is gone');
  assert.equal(isAlive(grandchild), false, 'the daemonized grandchild is gone');
  assert.deepEqual(r.cgroup!.pids(), [], 'the cgroup is empty');
});
