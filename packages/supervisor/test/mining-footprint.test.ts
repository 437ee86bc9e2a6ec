// With the log miner on (and no incident loop), the daemon loads @holdfast/insight/mining only:
// no zod or yaml (the config is validated in a child process), no incident engine or SQLite, no
// TypeScript stripper, and none of crypto, undici, http2, tls or zlib.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, startChild, waitFor } from '@holdfast/testkit';
import { daemonArgv, SupervisorClient } from '../src/index.ts';
import { fixtures, node, reapAll, writeConfig } from './helpers.ts';

const FORBIDDEN = ['internal/deps/amaro/dist/index', 'internal/deps/undici/undici', 'http2', 'tls', 'zlib', 'crypto', 'sqlite'];

test('the log miner on: only the miner is loaded, no zod, yaml, incident engine or SQLite', async (t) => {
  const { dir, file, config } = await writeConfig(
    t,
    `programs:\n  app:\n    command: [${node}, ${join(fixtures, 'patterns.mjs')}]\n    ready: {afterMs: 0}\n`,
  );
  const out = join(dir, 'modules.json');
  const probe =
    `data:text/javascript,const urls = []; process.getBuiltinModule('node:module').registerHooks({ ` +
    `resolve(spec, c, next) { const r = next(spec, c); urls.push(r.url); return r; } }); process.on('exit', () ` +
    (`=> process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ modules: ` +
      `process.moduleLoadList, urls })))`);
  const child = startChild(t, process.execPath, ['--import', probe, ...daemonArgv(file)]);
  cleanup(t, () => reapAll(config.id));
  const client = new SupervisorClient({ socket: config.supervisor.socket, timeoutMs: 30_000 });
  await waitFor('the daemon socket', () => client.status().then(() => true), { timeoutMs: 15_000 });
  await waitFor('templates', async () => (await client.patterns('app')).templates.length >= 3);
  const status = (await client.status()).daemon;
  t.diagnostic(`daemon RSS with the miner on: ${(status.rssBytes / 1e6).toFixed(1)} MB; ${status.mining?.templates} templates`);
  await client.shutdown();
  await child.exited;
  assert.ok(existsSync(out));
  const probed = JSON.parse(readFileSync(out, 'utf8')) as { modules: string[]; urls: string[] };
  assert.ok(
    probed.urls.some((u) => u.includes('/insight/src/mining/miner.ts')),
    'the miner ran in the daemon',
  );
  assert.deepEqual(
    probed.urls.filter(
      (u) => /\/node_modules\/(yaml|zod)\//.test(u) || /\/insight\/src\/(yaml|incidents|knowledge|notify|ledger)\//.test(u),
    ),
    [],
    'yaml, zod and the incident loop stay out',
  );
  const loaded = new Set(probed.modules.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)));
  assert.deepEqual(
    FORBIDDEN.filter((m) => loaded.has(m)),
    [],
  );
});
