// `holdfast supervise -c` becomes the daemon: the command's own process execs the lean daemon
// entry once the config validated, so what the user's command leaves running is the daemon alone
// (the command line's loader and validator, about 110 MB, no longer stay resident as its
// parent), with the same pid, stdio, signals and exit code the command had.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { cleanup, startChild, tempDir, waitFor } from '@holdfast/testkit';
import { SupervisorClient } from '@holdfast/supervisor';
import { writeConfig } from './support/daemon.ts';

const bin = fileURLToPath(new URL('../bin/holdfast.js', import.meta.url));

/** pid and the pids of every descendant. */
function tree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
}

test(
  'holdfast supervise execs into the daemon: one process besides the programs, same pid; SIGTERM stops everything, ' + 'exit 0',
  async (t) => {
    const { config, file } = await writeConfig(
      t,
      'programs:\n  a:\n    command: sleep 1000\n    ready: {afterMs: 0}\n  b:\n    command: sleep 1000\n    ready: {afterMs: 0}\n',
    );
    const client = new SupervisorClient({ socket: config.supervisor.socket, timeoutMs: 30_000 });
    const cmd = startChild(t, process.execPath, [bin, 'supervise', '-c', file]);
    cleanup(t, () => client.shutdown().catch(() => {}));
    await waitFor('both programs READY', async () => (await client.status()).programs.every((p) => p.state === 'READY'), {
      timeoutMs: 30_000,
    });
    const st = await client.status();
    assert.equal(st.daemon.pid, cmd.pid, 'the daemon is the command’s own process');
    const programs = st.programs.map((p) => p.pid!);
    const left = tree(cmd.pid).filter((p) => !programs.includes(p) && !programs.some((q) => tree(q).includes(p)));
    assert.deepEqual(left, [cmd.pid], 'nothing but the daemon and its programs');
    const cmdline = readFileSync(`/proc/${cmd.pid}/cmdline`, 'utf8').split('\0');
    assert.ok(
      cmdline.includes('--lite-mode') && cmdline.some((a) => a.endsWith('holdfast-supervisor.js')),
      `the lean daemon entry: ${cmdline.join(' ')}`,
    );
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${cmd.pid}/status`, 'utf8'))![1]) / 1024;
    assert.ok(rss < 100, `no command line resident beside the daemon (${rss.toFixed(1)} MB)`);
    cmd.kill('SIGTERM');
    const { code } = await cmd.exited;
    assert.equal(code, 0, 'a clean stop');
    for (const p of programs) assert.ok(!readdirSync('/proc').includes(String(p)), `program ${p} stopped`);
  },
);

test('holdfast supervise with a config that does not validate exits 1 and starts nothing (before any exec)', async (t) => {
  const dir = tempDir(t, 'hf-cli-');
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(
    file,
    `supervisor: {socket: ${join(dir, 's.sock')}, ` +
      `stateDir: ${join(dir, 'state')}}\nprograms:\n  a:\n    command: ` +
      `sleep 1000\n    stopSignall: TERM\n`,
  );
  const cmd = startChild(t, process.execPath, [bin, 'supervise', '-c', file]);
  const { code } = await cmd.exited;
  assert.equal(code, 1);
  assert.match(cmd.stderr(), /unknown key 'stopSignall'.*did you mean 'stopSignal'/);
  assert.ok(!readdirSync(dir).includes('s.sock'), 'no daemon started');
});
