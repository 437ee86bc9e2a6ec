// `holdfast reload` as a user runs it, against a real daemon: progress lines, the status table,
// --json, and exit codes for a broken new version and for refusals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@holdfast/testkit';
import { fixtures, startDaemon, writeConfig } from './helpers.ts';

const cli = fileURLToPath(new URL('../../cli/bin/holdfast.ts', import.meta.url));
const python = join(fixtures, 'fd3_server.py');

function holdfast(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('holdfast reload: progress, table and exit 0; --json; a broken version exits 1 with its output; refusals exit 1', async (t) => {
  const port = await freePort();
  // A wrapper that fails while the file BROKEN exists: the "new version" of the program.
  const { file, config, dir } = await writeConfig(
    t,
    `programs:\n  py:\n    command: [sh, -c, 'if [ -e BROKEN ]; then echo "config error: BROKEN is here" >&2; exit 7; fi; exec python3 -u ${python}']\n` +
      `    instances: 2\n    listen: [{port: ${port}, host: 127.0.0.1}]\n    ready: {notify: true, timeoutMs: 20s}\n    stopTimeoutMs: 3s\n  idle:\n    command: sleep 1000\n    autostart: false\n`,
  );
  const { client } = await startDaemon(t, config);
  await waitFor('py READY', async () => (await client.status()).programs.filter((p) => p.program === 'py' && p.state === 'READY').length === 2, { timeoutMs: 30_000 });
  const c = ['-c', file];

  let r = await holdfast(['reload', 'py', ...c]);
  assert.equal(r.code, 0, r.stderr);
  for (const re of [/reloading py: 2 instance\(s\), 2 step\(s\)/, /py:0: starting a new instance/, /py:0: new pid \d+ is READY \(replaces pid \d+\)/, /py:0: draining old pid \d+/, /py:1: old pid \d+ is gone/, /done: 2 instance\(s\) replaced/, /^py:0\s+READY\s+\d+/m, /py: 2 instance\(s\) replaced in [\d.]+ s/]) {
    assert.match(r.stdout, re);
  }

  r = await holdfast(['reload', 'py', '--json', ...c]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { ok: boolean; replaced: { instance: string; oldPid: number; newPid: number }[] };
  assert.equal(json.ok, true);
  assert.deepEqual(json.replaced.map((x) => x.instance), ['py:0', 'py:1']);

  const before = (await client.status()).programs.map((p) => p.pid);
  writeFileSync(join(dir, 'BROKEN'), '');
  r = await holdfast(['reload', 'py', ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /py:0: FAILED: exited with code 7 before it was ready/);
  assert.match(r.stderr, /\[HOLDFAST_E_RELOAD_FAILED\] the rolling reload of 'py' stopped: py:0 exited with code 7 before it was ready; 0 of 2 instance\(s\) were replaced, the others keep serving/);
  assert.match(r.stderr, /config error: BROKEN is here/, 'the new instance said why');
  assert.deepEqual((await client.status()).programs.map((p) => p.pid), before, 'nothing changed');
  r = await holdfast(['reload', 'py', '--json', ...c]);
  assert.equal(r.code, 1);
  const failed = JSON.parse(r.stdout) as { ok: boolean; error: { code: string }; result: { failed: { instance: string; output: string[] } } };
  assert.equal(failed.error.code, 'HOLDFAST_E_RELOAD_FAILED');
  assert.equal(failed.result.failed.instance, 'py:0');
  assert.deepEqual(failed.result.failed.output, ['config error: BROKEN is here']);

  r = await holdfast(['reload', 'idle', ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[HOLDFAST_E_NOT_RUNNING\] .*'idle' is not running/);
  r = await holdfast(['reload', 'pyy', ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[HOLDFAST_E_UNKNOWN_PROGRAM\].*did you mean 'py'/);
  r = await holdfast(['reload', ...c]);
  assert.equal(r.code, 2, 'usage');
  assert.match(r.stderr, /which program\?/);
});
