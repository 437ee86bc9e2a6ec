// The daemon stays small because some modules never enter it. One ESM `import ... from
// 'node:http'` (its lazy exports load undici, http2, tls and zlib) or a .ts file loaded by Node's
// stripper would add megabytes to every daemon, and nothing else would notice: this test does.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, startChild, waitFor } from '@holdfast/testkit';
import { daemonArgv, SupervisorClient } from '../src/index.ts';
import { node, reapAll, writeConfig } from './helpers.ts';

/** Built-ins the daemon must not hold after start, status, metrics, a restart and a stop. */
const FORBIDDEN = [
  'internal/deps/amaro/dist/index', // the TypeScript stripper
  'internal/deps/undici/undici',
  'http2',
  'tls',
  'zlib', // loads on the first gzip rotation only
  'crypto',
  'dns/promises', // loads for a listen host name only
  'internal/process/report',
];

test('a running daemon holds neither the TypeScript stripper nor undici, http2, tls, zlib or crypto', async (t) => {
  const { dir, file, config } = await writeConfig(
    t,
    `programs:\n  a:\n    command: ` +
      `[${node}, -e, "setInterval(() => console.log('tick'), 100)"]\n    ready: {afterMs: ` +
      `0}\n  b:\n    command: [sleep, '1000']\n    ready: {afterMs: 0}\n`,
  );
  const out = join(dir, 'modules.json');
  // Written at exit from inside the daemon; the probe itself imports nothing.
  const probe =
    `data:text/javascript,process.on('exit', () => ` +
    (`process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ modules: ` +
      `process.moduleLoadList, gc: typeof globalThis.gc })))`);
  const child = startChild(t, process.execPath, ['--import', probe, ...daemonArgv(file)]);
  const client = new SupervisorClient({ socket: config.supervisor.socket, timeoutMs: 30_000 });
  cleanup(t, () => reapAll(config.id));
  await waitFor('the daemon socket', () => client.status().then(() => true), { timeoutMs: 15_000 });
  await waitFor('both programs READY', async () => (await client.status()).programs.every((p) => p.state === 'READY'), {
    timeoutMs: 15_000,
  });
  assert.match(await client.metrics(), /holdfast_process_up\{program="a",instance="a"\} 1/);
  await client.restart('b');
  await client.shutdown();
  await child.exited;
  assert.ok(existsSync(out), 'the probe in the daemon wrote its module list');
  const probed = JSON.parse(readFileSync(out, 'utf8')) as { modules: string[]; gc: string };
  const loaded = new Set(probed.modules.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)));
  assert.ok(loaded.has('http') && loaded.has('child_process'), 'the list is the daemon’s');
  assert.deepEqual(
    FORBIDDEN.filter((m) => loaded.has(m)),
    [],
  );
  // The GC pacer (src/daemon/gc-pacer.ts) needs it; without it the soak's RSS climbs.
  assert.equal(probed.gc, 'function', 'the daemon runs with --expose-gc');
});
