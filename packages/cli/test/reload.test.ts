// `holdfast reload` as a user runs it, against a real daemon: progress lines, the status table,
// --json, and exit codes for a broken new version and for refusals.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@holdfast/testkit';
import { holdfast, startDaemon, writeConfig } from './support/daemon.ts';

const server = fileURLToPath(new URL('fixtures/fd3-server.mjs', import.meta.url));
const node = process.execPath;

test('holdfast reload: progress, table and exit 0; --json; a broken version exits 1 with its output; refusals exit 1', async (t) => {
  const port = await freePort();
  // A wrapper that fails while the file BROKEN exists: the "new version" of the program.
  const { file, config, dir } = await writeConfig(
    t,
    [
      'programs:',
      '  app:',
      `    command: [sh, -c, 'if [ -e BROKEN ]; then echo "config error: BROKEN is here" >&2; exit 7; fi; exec ${node} ${server}']`,
      '    instances: 2',
      `    listen: [{port: ${port}, host: 127.0.0.1}]`,
      '    ready: {notify: true, timeoutMs: 20s}',
      '    stopTimeoutMs: 3s',
      '  idle:',
      '    command: sleep 1000',
      '    autostart: false',
      '',
    ].join('\n'),
  );
  const { client } = await startDaemon(t, config);
  const ready = async () => (await client.status()).programs.filter((p) => p.program === 'app' && p.state === 'READY').length;
  await waitFor('app READY', async () => (await ready()) === 2, { timeoutMs: 30_000 });
  const c = ['-c', file];

  let r = await holdfast(['reload', 'app', ...c]);
  assert.equal(r.code, 0, r.stderr);
  const progress = [
    /reloading app: 2 instance\(s\), 2 step\(s\)/,
    /app:0: starting a new instance/,
    /app:0: new pid \d+ is READY \(replaces pid \d+\)/,
    /app:0: draining old pid \d+/,
    /app:1: old pid \d+ is gone/,
    /done: 2 instance\(s\) replaced/,
    /^app:0\s+READY\s+\d+/m,
    /app: 2 instance\(s\) replaced in [\d.]+ s/,
  ];
  for (const re of progress) {
    assert.match(r.stdout, re);
  }

  r = await holdfast(['reload', 'app', '--json', ...c]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { ok: boolean; replaced: { instance: string; oldPid: number; newPid: number }[] };
  assert.equal(json.ok, true);
  assert.deepEqual(
    json.replaced.map((x) => x.instance),
    ['app:0', 'app:1'],
  );

  const before = (await client.status()).programs.map((p) => p.pid);
  writeFileSync(join(dir, 'BROKEN'), '');
  r = await holdfast(['reload', 'app', ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /app:0: FAILED: exited with code 7 before it was ready/);
  assert.match(r.stderr, /\[HOLDFAST_E_RELOAD_FAILED\] the rolling reload of 'app' stopped: /);
  assert.match(r.stderr, /app:0 exited with code 7 before it was ready; /);
  assert.match(r.stderr, /0 of 2 instance\(s\) were replaced, the others keep serving/);
  assert.match(r.stderr, /config error: BROKEN is here/, 'the new instance said why');
  assert.deepEqual(
    (await client.status()).programs.map((p) => p.pid),
    before,
    'nothing changed',
  );
  r = await holdfast(['reload', 'app', '--json', ...c]);
  assert.equal(r.code, 1);
  type Failed = { ok: boolean; error: { code: string }; result: { failed: { instance: string; output: string[] } } };
  const failed = JSON.parse(r.stdout) as Failed;
  assert.equal(failed.error.code, 'HOLDFAST_E_RELOAD_FAILED');
  assert.equal(failed.result.failed.instance, 'app:0');
  assert.deepEqual(failed.result.failed.output, ['config error: BROKEN is here']);

  r = await holdfast(['reload', 'idle', ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[HOLDFAST_E_NOT_RUNNING\] .*'idle' is not running/);
  r = await holdfast(['reload', 'apps', ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[HOLDFAST_E_UNKNOWN_PROGRAM\].*did you mean 'app'/);
  r = await holdfast(['reload', ...c]);
  assert.equal(r.code, 2, 'usage');
  assert.match(r.stderr, /which program\?/);
});
