// Stops leave nothing behind: a daemonized grandchild (setsid + double fork, ignoring SIGTERM)
// is found through the cgroup (v1 here) or, with cgroups off, through the environment marker;
// a child ignoring SIGTERM is SIGKILLed after stopTimeoutMs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, waitFor } from '@holdfast/testkit';
import { isAlive } from '../src/process/proc.ts';
import { fixtures, startSupervisor, waitState, writeConfig } from './helpers.ts';

for (const mode of ['auto', 'off'] as const) {
  test(`stop kills a daemonized grandchild too (cgroups ${mode})`, async (t) => {
    const dir = tempDir(t, 'hf-sup-');
    const pidFile = join(dir, 'grandchild.pid');
    const { config } = await writeConfig(
      t,
      `supervisor: {socket: ${dir}/s.sock, ` +
        `stateDir: ${dir}/state, ` +
        `logDir: ${dir}/logs, cgroups: ` +
        `{mode: ${mode}}}\n` +
        `programs:\n  forker:\n    command: ` +
        `[${join(fixtures, 'daemonize.sh')}, ${pidFile}]\n    ready: {afterMs: 0}\n    stopTimeoutMs: 1000\n`,
      { dir },
    );
    const sup = await startSupervisor(t, config);
    const r = await waitState(sup, 'forker', 'READY');
    assert.equal(r.cgroup !== undefined, mode === 'auto', 'cgroup used when available');
    const grandchild = await waitFor('the grandchild pid', () => {
      try {
        return Number(readFileSync(pidFile, 'utf8'));
      } catch {
        return 0;
      }
    });
    t.after(() => {
      try {
        process.kill(grandchild, 'SIGKILL');
      } catch {}
    });
    assert.ok(isAlive(grandchild));
    const pid = r.pid!;
    assert.notEqual(
      Number(readFileSync(`/proc/${grandchild}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]),
      pid,
      'the grandchild left the process group',
    );
    await sup.stopTargets(['forker']);
    assert.equal(r.state.state, 'STOPPED');
    assert.equal(isAlive(pid), false, 'the child is gone');
    assert.equal(isAlive(grandchild), false, 'the daemonized grandchild is gone');
    if (r.cgroup) assert.deepEqual(r.cgroup.pids(), [], 'the cgroup is empty');
  });
}

test('a child ignoring SIGTERM is SIGKILLed after stopTimeoutMs', async (t) => {
  const { config } = await writeConfig(
    t,
    `programs:\n  stubborn:\n    command: ${join(fixtures, 'ignore-term.sh')}\n    ready: {afterMs: 100}\n    stopTimeoutMs: 700\n`,
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'stubborn', 'READY');
  const pid = r.pid!;
  const t0 = performance.now();
  await sup.stopTargets(['stubborn']);
  const took = performance.now() - t0;
  assert.equal(isAlive(pid), false);
  assert.equal(r.state.lastExit?.reason, 'stop-timeout');
  assert.equal(r.state.lastExit?.signal, 'SIGKILL');
  assert.ok(took >= 650, `it got its ${700} ms to stop (took ${Math.round(took)} ms)`);
});

test('a crashed parent does not leave its children running next to its replacement', async (t) => {
  const dir = tempDir(t, 'hf-sup-');
  // Each run starts a daemonized grandchild (pid in gc.<run pid>) and dies; the grandchild must go before the restart.
  const { config } = await writeConfig(
    t,
    `programs:\n  leaky:\n    command: ` +
      `'${join(fixtures, 'daemonize.sh')} ${dir}/gc.$$ & sleep 0.3; exit 1'\n` +
      `    shell: true\n    ready: {afterMs: 0}\n    stopTimeoutMs: 500\n    backoff: {initialMs: 5000}\n`,
    { dir },
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'leaky', (x) => x.state.restarts >= 1, 10_000);
  const current = r.pid;
  const previous = readdirSync(dir).filter((f) => f.startsWith('gc.') && f !== `gc.${current}`);
  assert.ok(previous.length >= 1);
  for (const f of previous) {
    const gc = Number(readFileSync(join(dir, f), 'utf8'));
    t.after(() => {
      try {
        process.kill(gc, 'SIGKILL');
      } catch {}
    });
    assert.equal(isAlive(gc), false, `the grandchild of run ${f.slice(3)} was swept before the restart`);
  }
});
