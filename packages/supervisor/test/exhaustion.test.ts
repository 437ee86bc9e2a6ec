// The daemon under a failing machine, with real processes: its state and log directories on a
// 1 MiB tmpfs that fills up, and its descriptor limit lowered (prlimit) during an exit storm.
// Programs keep crashing and restarting, the daemon lives (same pid, control API answering,
// nothing reached its last-resort handlers), and once the machine recovers the logs resume
// with a line saying how much output was lost and when. Needs root (mount, prlimit): a machine
// where that fails fails the test, it does not skip.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanup, tempDir, waitFor } from '@holdfast/testkit';
import type { SupervisorClient, SupervisorEvent } from '../src/index.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

const storm = join(fixtures, 'storm.mjs');

function mountTmpfs(t: TestContext, dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  cleanup(t, () => execFileSync('umount', ['-l', dir]));
}

/** Writes zeros into `file` until the file system says ENOSPC. */
function fill(file: string): void {
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeFileSync(file, block, { flag: 'a' });
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name));
  assert.ok(line, `${name} is exported`);
  return Number(line.split(' ').pop());
}

async function restarts(client: SupervisorClient, program: string): Promise<number> {
  return (await client.status()).programs.filter((p) => p.program === program).reduce((n, p) => n + p.restarts, 0);
}

test(
  'a full disk under the state and log directories: programs crash and restart, the daemon lives, the logs resume with the gap noted',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'hf-full-');
    const disk = join(dir, 'disk');
    mountTmpfs(t, disk, '1m');
    const { config } = await writeConfig(
      t,
      `supervisor:\n` +
        `  socket: ${join(dir, 's.sock')}\n` +
        `  stateDir: ${join(disk, 'state')}\n` +
        `  logDir: ${join(disk, 'logs')}\n  logLevel: warn\n` +
        (`programs:\n  crashy:\n    command: ` +
          `[${node}, ${storm}]\n    env: {LIFE_MS: 300}\n    ready: {afterMs: 100}\n` +
          `    startRetries: infinite\n    backoff: {initialMs: 50, maxMs: 200, jitter: 0}\n`) +
        `    logs:\n      stdout: {maxBytes: 48KiB, backups: 2, bufferBytes: 16KiB}\n      stderr: {maxBytes: 16KiB, backups: 1}\n`,
      { dir },
    );
    const { client, child } = await startDaemon(t, config);
    await waitFor('crashy restarting', async () => (await restarts(client, 'crashy')) >= 2, { timeoutMs: 20_000 });

    fill(join(disk, 'filler'));
    const full = await restarts(client, 'crashy');
    // Pid records and log writes now fail with ENOSPC at every start and exit.
    await waitFor('restarts on the full disk', async () => (await restarts(client, 'crashy')) >= full + 5, { timeoutMs: 30_000 });
    const during = await client.status();
    assert.match(during.programs[0]!.logs.stdout.error ?? '', /ENOSPC/, 'status says why the log is not written');
    assert.equal(during.daemon.pid, child.pid, 'the same daemon');
    const metrics = await client.metrics();
    assert.ok(
      metric(metrics, 'holdfast_supervisor_internal_errors_total{kind="bookkeeping"}') > 0,
      'the failed pid-record writes were counted',
    );

    rmSync(join(disk, 'filler'));
    const resumed = (text: string) =>
      /\[holdfast\] (\d+) bytes of output dropped between (\S+) and (\S+): no space left on the device \(ENOSPC\)\n(crashy:0 \d+ line \d+ x+\n)+/.exec(
        text,
      );
    let text = '';
    await waitFor(
      'the log resumes with the gap noted',
      async () => {
        text = await client.logs('crashy', { lines: 2000 });
        return resumed(text) !== null;
      },
      { timeoutMs: 20_000 },
    );
    const m = resumed(text)!;
    assert.ok(Number(m[1]) > 0);
    assert.ok(Date.parse(m[2]!) <= Date.parse(m[3]!) && Date.parse(m[3]!) <= Date.now());
    assert.equal(text.split('\n').filter((l) => l.startsWith('[holdfast]')).length >= 1, true);
    const after = await client.status();
    assert.equal(after.daemon.pid, child.pid);
    assert.equal(after.programs[0]!.logs.stdout.error, null, 'the log error clears once writes succeed');
    assert.ok(after.programs[0]!.restarts >= full + 5);
    const m2 = await client.metrics();
    assert.equal(metric(m2, 'holdfast_supervisor_internal_errors_total{kind="uncaught"}'), 0, 'nothing reached the last-resort handler');
    assert.equal(metric(m2, 'holdfast_supervisor_internal_errors_total{kind="unhandled-rejection"}'), 0);
    assert.ok(readdirSync(join(disk, 'state', 'pids')).length <= 1, 'pid records of exited instances do not pile up');
  },
);

test(
  'an exit storm with the descriptor limit lowered (prlimit): spawns fail with EMFILE, back off and retry, never ' +
    'FATAL; the daemon lives and recovers',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'hf-nofile-');
    const exitFlag = join(dir, 'exit-now');
    const INSTANCES = 8;
    const { config } = await writeConfig(
      t,
      `programs:\n  storm:\n    command: ` +
        `[${node}, ${storm}]\n` +
        `    instances: ${INSTANCES}\n    env: ` +
        (`{EXIT_WHEN: ${exitFlag}, EVERY_MS: 50}\n    ready: {afterMs: 50}\n    startRetries: 3\n    backoff: ` +
          `{initialMs: 100, maxMs: 400, jitter: 0}\n`),
      { dir },
    );
    const { client, child } = await startDaemon(t, config);
    await waitFor('every instance READY', async () => (await client.status()).programs.every((p) => p.state === 'READY'), {
      timeoutMs: 30_000,
    });
    const events: SupervisorEvent[] = [];
    const ac = new AbortController();
    const listening = client.events((e) => events.push(e), { signal: ac.signal });
    cleanup(t, async () => {
      ac.abort();
      await listening.catch(() => {});
    });
    await waitFor('the event stream', async () => {
      await client.signal('storm:0', 'CONT');
      return true;
    });
    const fds = () => readdirSync(`/proc/${child.pid}/fd`).length;
    // Each running instance holds two pipes (stdout, stderr) in the daemon; once they all exited,
    // two descriptors are left free: not enough for the pipes of one spawn.
    const limit = fds() - 2 * INSTANCES + 2;
    // The soft limit only: raising a hard limit back needs CAP_SYS_RESOURCE, which a container may lack.
    const setSoftLimit = (n: number | string) => execFileSync('prlimit', ['--pid', String(child.pid), `--nofile=${n}:`]);
    const original = execFileSync('prlimit', ['--pid', String(child.pid), '--nofile', '--raw', '--noheadings', '--output=SOFT'], {
      encoding: 'utf8',
    }).trim();
    setSoftLimit(limit);
    cleanup(t, () => setSoftLimit(original));
    writeFileSync(exitFlag, '');

    // Every instance exits at once; restarting it fails for want of descriptors.
    await waitFor(
      'spawns failing with EMFILE',
      () => events.filter((e) => e.type === 'state' && e.to === 'BACKOFF' && /EMFILE/.test(e.lastExit?.detail ?? '')).length >= INSTANCES,
      { timeoutMs: 30_000 },
    );
    const states = new Set(events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? e.to : '')));
    assert.ok(!states.has('FATAL'), 'no instance gave up on a passing shortage');
    assert.equal(readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/^State:\s+(\S)/m)![1] !== 'Z', true, 'the daemon lives');

    // The machine recovers: every instance comes back, in the same daemon.
    rmSync(exitFlag);
    setSoftLimit(original);
    await waitFor('every instance READY again', async () => (await client.status()).programs.every((p) => p.state === 'READY'), {
      timeoutMs: 30_000,
    });
    const st = await client.status();
    assert.equal(st.daemon.pid, child.pid);
    const m = await client.metrics();
    assert.equal(metric(m, 'holdfast_supervisor_internal_errors_total{kind="uncaught"}'), 0, 'nothing reached the last-resort handler');
    assert.equal(metric(m, 'holdfast_supervisor_internal_errors_total{kind="unhandled-rejection"}'), 0);
  },
);
