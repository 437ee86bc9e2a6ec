// `holdfast supervise --check` as a user runs it: every command resolved on the PATH the daemon
// will have (the command's own, npx's node_modules/.bin folders included), a missing one an
// error that shows a short PATH and where it came from, the same short message when the daemon
// meets it; and a program's own stop budget above its stopTimeoutMs is warned about.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir, waitFor } from '@holdfast/testkit';
import { startDaemon, writeConfig } from './helpers.ts';

const cli = fileURLToPath(new URL('../../cli/bin/holdfast.js', import.meta.url));

function holdfast(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test(
  '--check resolves each command on the PATH the daemon will have; a missing one is an error with a short PATH and ' + 'its source',
  async (t) => {
    const dir = tempDir(t);
    // What npx puts first: node_modules/.bin folders, one of them holding a tool the config runs.
    const bins = [join(dir, 'a', 'node_modules', '.bin'), join(dir, 'b', 'node_modules', '.bin'), join(dir, 'c', 'node_modules', '.bin')];
    for (const b of bins) mkdirSync(b, { recursive: true });
    writeFileSync(join(bins[1]!, 'local-tool'), '#!/bin/sh\nexec sleep 1000\n');
    chmodSync(join(bins[1]!, 'local-tool'), 0o755);
    const PATH = [...bins, '/usr/local/bin', '/usr/bin', '/bin'].join(':');
    const { file } = await writeConfig(
      t,
      `programs:\n  tool:\n    command: local-tool --port 1\n  web:\n    command: no-such-server-xyz --port 1\n` +
        `  pinned:\n    command: also-missing\n    env: {PATH: /opt/nothing}\n`,
      { dir },
    );
    const r = await holdfast(['supervise', '--check', '-c', file], { ...process.env, PATH });
    assert.equal(r.code, 1, r.stdout);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.deepEqual(errors, [
      "error: programs.web: spawn no-such-server-xyz ENOENT: 'no-such-server-xyz' is not on the PATH, which comes from " +
        "the daemon's environment: /usr/local/bin:/usr/bin:/bin (and 3 node_modules/.bin folders that npm or npx " +
        'put first). Give the full path in command, or set programs.web.env.PATH',
      "error: programs.pinned: spawn also-missing ENOENT: 'also-missing' is not on the PATH, which comes from " +
        'programs.pinned.env.PATH: /opt/nothing. Give the full path in command, or set programs.pinned.env.PATH',
    ]);
    assert.ok(!r.stderr.includes('local-tool'), 'found in a node_modules/.bin folder: fine');
    assert.match(r.stderr, /2 program\(s\) could not start as configured/);
    assert.ok(
      errors.every((l) => l.length < 400),
      'short enough to read',
    );
  },
);

test('the daemon names the short PATH and its source when a command is missing', async (t) => {
  const { config } = await writeConfig(t, 'programs:\n  web:\n    command: no-such-server-xyz\n');
  const npx = Array.from({ length: 12 }, (_, i) => `/x${i}/node_modules/.bin`).join(':');
  const env = { ...process.env, PATH: `${npx}:/usr/bin:/bin:/usr/bin` };
  const { client } = await startDaemon(t, config, { env });
  await waitFor('web FATAL', async () => (await client.status()).programs[0]!.state === 'FATAL');
  const reason = (await client.status()).programs[0]!.fatalReason!;
  assert.equal(
    reason,
    "could not start: spawn no-such-server-xyz ENOENT: 'no-such-server-xyz' is not on the PATH, which comes from the " +
      "daemon's environment: /usr/bin:/bin (and 12 node_modules/.bin folders that npm or npx put first). Give " +
      'the full path in command, or set programs.web.env.PATH',
  );
});

test('--check warns when a program declares a stop budget beyond its stopTimeoutMs', async (t) => {
  const { file } = await writeConfig(
    t,
    'programs:\n  web:\n    command: sleep 1000\n    stopTimeoutMs: 10s\n    env: {HOLDFAST_TERMINATION_GRACE_MS: ' +
      '30000}\n  fine:\n    command: sleep 1000\n    stopTimeoutMs: 20s\n    env: {HOLDFAST_TERMINATION_GRACE_MS: 15000}\n',
  );
  const r = await holdfast(['supervise', '--check', '-c', file], process.env);
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
  assert.deepEqual(warnings, [
    'warning: programs.web.env.HOLDFAST_TERMINATION_GRACE_MS is 30000 ms, more than its stopTimeoutMs (10000 ms): the ' +
      'service plans a shutdown that the supervisor cuts short with SIGKILL. Remove it (the supervisor passes ' +
      'stopTimeoutMs down as HOLDFAST_TERMINATION_GRACE_MS) or raise stopTimeoutMs',
  ]);
});
