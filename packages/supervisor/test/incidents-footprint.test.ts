// With the incident loop on, the daemon still runs plain JavaScript (insight's sources stripped
// beforehand, not by Node's TypeScript loader) and loads neither the yaml parser (a child process
// reads knowledge.yaml), nor the rest of insight (it imports @holdfast/insight/incidents), nor
// crypto (no webhook secret here), undici, http2, tls or zlib. (The log miner is off here; the
// miner's own footprint is checked in mining-footprint.test.ts.)
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, freePort, startChild, waitFor } from '@holdfast/testkit';
import { daemonArgv, IncidentsClient, SupervisorClient } from '../src/index.ts';
import { node, reapAll, writeConfig } from './helpers.ts';

const FORBIDDEN = ['internal/deps/amaro/dist/index', 'internal/deps/undici/undici', 'http2', 'tls', 'zlib', 'crypto'];

test('the incident loop on: no TypeScript stripper, no yaml, no crypto in the daemon', async (t) => {
  const port = await freePort();
  let told = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      told++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  const errorLines =
    `setInterval(() => console.log(JSON.stringify({ level: 50, msg: 'boom', err: { type: 'Error', ` + `message: 'x', code: 'E1' } })), 50)`;
  const { dir, file, config } = await writeConfig(
    t,
    `programs:\n  a:\n    command: ` +
      `[${node}, -e, ` +
      `"${errorLines}"]\n    ready: {afterMs: 0}\nincidents:\n  knowledge: ` +
      `knowledge.yaml\n  receivers: [{name: ops, type: webhook, url: ` +
      `'http://127.0.0.1:${port}/'}]\n  routes: [{receiver: ops, groupWait: 0}]\nmining: {enabled: false}\n`,
  );
  writeFileSync(
    join(dir, 'knowledge.yaml'),
    'entries:\n  - {id: e1, match: {code: E1}, category: test, severity: warning, owner: me, runbook: none}\n',
  );
  const out = join(dir, 'modules.json');
  // Records every module URL the daemon resolves (its own hook serves loads only) and, at exit, the built-ins.
  const probe =
    `data:text/javascript,const urls = []; process.getBuiltinModule('node:module').registerHooks({ ` +
    `resolve(spec, c, next) { const r = next(spec, c); urls.push(r.url); return r; } }); process.on('exit', () ` +
    (`=> process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ modules: ` +
      `process.moduleLoadList, urls })))`);
  const child = startChild(t, process.execPath, ['--import', probe, ...daemonArgv(file)]);
  cleanup(t, () => reapAll(config.id));
  const client = new SupervisorClient({ socket: config.supervisor.socket, timeoutMs: 30_000 });
  await waitFor('the daemon socket', () => client.status().then(() => true), { timeoutMs: 15_000 });
  const inc = new IncidentsClient({ socket: config.supervisor.socket });
  const [one] = await waitFor('an incident', async () => {
    const l = await inc.list();
    return l.length ? l : undefined;
  });
  assert.equal(one!.category, 'test');
  await waitFor('the receiver told', () => told > 0);
  await inc.resolve(one!.id, { cause: 'a test', learn: { id: 'learned-in-footprint' } });
  const rss = (await client.status()).daemon.rssBytes;
  t.diagnostic(`daemon RSS with the incident loop on: ${(rss / 1e6).toFixed(1)} MB`);
  await client.shutdown();
  await child.exited;
  assert.ok(existsSync(out));
  const probed = JSON.parse(readFileSync(out, 'utf8')) as { modules: string[]; urls: string[] };
  assert.ok(
    probed.urls.some((u) => u.includes('/insight/src/incidents/engine.ts')),
    'the loop ran in the daemon',
  );
  assert.deepEqual(
    probed.urls.filter((u) => /\/node_modules\/(yaml|zod)\//.test(u) || /\/insight\/src\/(yaml|mining|lines)\//.test(u)),
    [],
    'yaml, zod and the log miner stay out of the daemon',
  );
  const loaded = new Set(probed.modules.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)));
  assert.ok(loaded.has('sqlite'), 'the list is the daemon’s, with the store open');
  assert.deepEqual(
    FORBIDDEN.filter((m) => loaded.has(m)),
    [],
  );
  assert.match(readFileSync(join(dir, 'knowledge.yaml'), 'utf8'), /id: learned-in-footprint/, 'yaml was used, by the child');
});
