// Commands that wait return as soon as what they wait for holds, and a timeout is reported as
// one, with a non-zero exit: the user's `holdfast start counter` that waited its whole timeout
// after its stopped dependency came up in 30 ms, then exited 0 with `timedOut: []`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { freePort } from '@holdfast/testkit';
import type { ActionResult } from '../src/index.ts';
import { startDaemon, waitState, startSupervisor, writeConfig } from './helpers.ts';

const cli = fileURLToPath(new URL('../../cli/bin/holdfast.js', import.meta.url));

function holdfast(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 }));
  });
}

const sleeper = (extra = '') => `    command: sleep 1000\n    ready: {afterMs: 0}\n${extra}`;

test('start of a running program whose dependency was stopped returns once the dependency is READY again, exit 0', async (t) => {
  const { file, config } = await writeConfig(t, `programs:\n  redis:\n${sleeper()}  counter:\n${sleeper('    dependsOn: [redis]\n')}`);
  const { client } = await startDaemon(t, config);
  await client.start('counter');
  await client.stop('redis');
  assert.equal(
    (await client.status()).programs.find((p) => p.id === 'counter')!.state,
    'READY',
    'a stopped dependency leaves its dependent running',
  );
  const r = await holdfast(['start', 'counter', '--timeout', '40s', '--json', '-c', file]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as ActionResult;
  assert.deepEqual(out.timedOut, []);
  assert.deepEqual(
    out.instances.map((i) => [i.id, i.state, i.waitingFor]),
    [['counter', 'READY', []]],
  );
  assert.ok(r.ms < 20_000, `answered when the dependency was up, not at the 40 s timeout (${Math.round(r.ms)} ms)`);
  assert.equal((await client.status()).programs.find((p) => p.id === 'redis')!.state, 'READY');
});

test('a wait that times out says so and exits 1: start, restart', async (t) => {
  const port = await freePort();
  const { file, config } = await writeConfig(
    t,
    `programs:\n  slow:\n    command: sleep 1000\n    autostart: false\n    ready: {tcp: ${port}, timeoutMs: 60s}\n`,
  );
  await startDaemon(t, config);
  for (const verb of ['start', 'restart']) {
    const j = await holdfast([verb, 'slow', '--timeout', '1s', '--json', '-c', file]);
    assert.equal(j.code, 1, `${verb}: ${j.stderr}`);
    const out = JSON.parse(j.stdout) as ActionResult;
    assert.deepEqual(out.timedOut, ['slow'], verb);
    assert.equal(out.instances[0]!.state, 'STARTING');
  }
  const r = await holdfast(['restart', 'slow', '--timeout', '500ms', '-c', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^timed out waiting for slow \(STARTING\): raise --timeout, or see 'holdfast status' and 'holdfast logs'$/m);
});

test('a start whose dependency gave up (FATAL) answers at once, saying what it waits for', async (t) => {
  const { file, config } = await writeConfig(
    t,
    `programs:\n  db:\n    command: /no/such/binary\n    autostart: false\n` +
      `  app:\n${sleeper('    autostart: false\n' + '    dependsOn: [db]\n')}`,
  );
  await startDaemon(t, config);
  const r = await holdfast(['start', 'app', '--timeout', '40s', '-c', file]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^app\s+STOPPED\s.*waiting for db$/m);
  assert.ok(r.ms < 20_000, `no wait for a dependency that cannot come up (${Math.round(r.ms)} ms)`);
});

test('in-process: the wait ends on the start that a dependency coming up triggers, with no state change of its own', async (t) => {
  const { config } = await writeConfig(t, `programs:\n  a:\n${sleeper()}  b:\n${sleeper('    dependsOn: [a]\n')}`);
  const sup = await startSupervisor(t, config);
  await waitState(sup, 'b', 'READY');
  await sup.stopTargets(['a']);
  const r = await sup.startTargets(['b'], { timeoutMs: 30_000 });
  assert.deepEqual(r.timedOut, []);
  assert.equal(sup.runners().find((x) => x.spec.id === 'a')!.state.state, 'READY');
});
