import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '@holdfast/testkit';
import { fixtures, node, startSupervisor, waitState, writeConfig } from './helpers.ts';

test('a crashed HTTP child is restarted and proves readiness again', async (t) => {
  const port = await freePort();
  const { config } = await writeConfig(
    t,
    `programs:\n  web:\n    command: [${node}, ${join(fixtures, 'server.mjs')}]\n    env: {PORT: ${port}}\n    ready: {tcp: ${port}}\n`,
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'web', 'READY');
  const pid1 = r.pid!;
  await fetch(`http://127.0.0.1:${port}/crash`);
  await waitState(sup, 'web', (x) => x.state.state === 'READY' && x.pid !== pid1);
  assert.equal(r.state.restarts, 1);
  assert.equal(r.state.lastExit?.reason, 'exited');
  assert.equal(r.state.lastExit?.code, 1);
  const body = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { pid: number };
  assert.equal(body.pid, r.pid);
});

test('user: the program runs as that user, with its HOME', async (t) => {
  const { config } = await writeConfig(
    t,
    `programs:\n  who:\n    command: sh -c 'echo "uid=$(id -u) home=$HOME"'\n    user: nobody\n    cwd: /\n    ready: ` +
      `{afterMs: 0}\n    autorestart: never\n`,
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'who', 'EXITED');
  await r.logs.stdout!.flush();
  const { readFileSync } = await import('node:fs');
  assert.match(readFileSync(r.logs.stdout!.file, 'utf8'), /^uid=65534 home=\/nonexistent\n$/);
});
