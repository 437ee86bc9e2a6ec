// A daemon killed with SIGKILL leaves its programs running; the next daemon for the same config
// finds them (pid records, cgroups, environment marker), stops them, and starts fresh: no
// duplicates, no orphans. Checked with cgroups (v1 here) and without.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, tempDir, waitFor } from '@holdfast/testkit';
import { isAlive, pidsWithEnvPrefix } from '../src/process/proc.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

for (const mode of ['auto', 'off'] as const) {
  test(`a restarted daemon reaps what the killed one left, then runs one copy of each program (cgroups ${mode})`, async (t) => {
    const dir = tempDir(t, 'hf-sup-');
    const port = await freePort();
    const { config } = await writeConfig(
      t,
      `supervisor: {socket: ${dir}/s.sock, stateDir: ${dir}/state, logDir: ${dir}/logs, cgroups: {mode: ${mode}}}\nprograms:\n` +
        `  web:\n    command: [${node}, ${join(fixtures, 'server.mjs')}]\n    env: {PORT: ${port}}\n    ready: {tcp: ${port}}\n` +
        (`  forker:\n    command: ` +
          `'exec ${join(fixtures, 'daemonize.sh')} ${dir}/gc.$$'\n    shell: true\n    ready: ` +
          `{afterMs: 0}\n    stopTimeoutMs: 1000\n`),
      { dir },
    );
    const first = await startDaemon(t, config);
    const before = await first.client.start('all');
    assert.ok(before.instances.every((i) => i.state === 'READY'));
    const webPid = before.instances.find((i) => i.id === 'web')!.pid!;
    const forkerPid = before.instances.find((i) => i.id === 'forker')!.pid!;
    const grandchild = await waitFor('the grandchild', () => {
      try {
        return Number(readFileSync(join(dir, `gc.${forkerPid}`), 'utf8'));
      } catch {
        return 0;
      }
    });
    first.child.kill('SIGKILL');
    await first.child.exited;
    assert.ok(isAlive(webPid) && isAlive(forkerPid) && isAlive(grandchild), 'a SIGKILLed daemon leaves its programs running');

    const second = await startDaemon(t, config);
    const after = await second.client.start('all');
    assert.ok(after.instances.every((i) => i.state === 'READY'));
    assert.equal(isAlive(webPid), false, 'the old web is gone');
    assert.equal(isAlive(forkerPid), false, 'the old forker is gone');
    assert.equal(isAlive(grandchild), false, 'the old daemonized grandchild is gone');
    const webs = pidsWithEnvPrefix(`HOLDFAST_PROCESS=${config.id}/web\0`);
    assert.deepEqual(webs, [after.instances.find((i) => i.id === 'web')!.pid], 'exactly one web runs');
    const res = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { pid: number };
    assert.equal(res.pid, webs[0], 'and it is the one answering');
  });
}
