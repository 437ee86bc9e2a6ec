// What a user outside this repository gets: `npm run build` of every public package (into a folder
// outside the repository), `npm pack` of each built package, the tarballs installed into a fresh
// project, and there a plain-JavaScript service run by the installed `holdfast` command with type
// stripping off (as from a registry install). Then the first hour of issue #20 on it: supervise
// --check, supervise with 2 instances and a dependency, the typo'd guard rule reported, a slow
// request through a restart, `start` after its dependency was stopped, HUP (the reload hook runs,
// nobody dies), gen k8s -c, shutdown. Also: packing a source folder (which exports .ts) is
// refused, naming what to pack instead.
// Serial: the build and the install are the heaviest things a test here does.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, freePort, startChild, tempDir, waitFor } from '@holdfast/testkit';

const root = join(import.meta.dirname, '..', '..');
// npm as the user runs it, from the PATH (a missing npm fails the test with ENOENT in its message).
const npm = 'npm';
// Node as a registry install runs it: a .ts anywhere on the path fails instead of being stripped.
const NODE_PLAIN = ['--no-experimental-strip-types'];

function run(cmd: string, args: string[], cwd: string, timeoutMs = 300_000) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return {
    code: r.status ?? -1,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    all: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`,
  };
}

function holdfast(app: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...NODE_PLAIN, join(app, 'node_modules', '.bin', 'holdfast'), ...args], { cwd: app });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

// The user's own service: a route with a parameter, a slow route, a rules file with the user's
// typo (`:id` for `:page`), a reload hook.
const SERVER = `import { createService } from '@holdfast/service';
import { guardPlugin } from '@holdfast/guard/fastify';

const service = createService({ name: 'visits' });
await service.app.register(guardPlugin, { rulesFile: 'rules.yaml' });
service.app.get('/visits/:page', async (req) => ({ page: req.params.page, pid: process.pid }));
service.app.get('/slow', async (req) => {
  await new Promise((r) => setTimeout(r, Number(req.query.ms)));
  return { slept: Number(req.query.ms), pid: process.pid };
});
service.onReload('greeting', () => service.logger.info('greeting reloaded'));
await service.start();
`;
const RULES = 'flow:\n  - {id: visits-qps, resource: "GET /visits/:id", threshold: 10}\n';
// The dependency the user stops: a second service of their own.
const CACHE = `import { createService } from '@holdfast/service';

const service = createService({ name: 'cache' });
service.app.get('/get', async () => ({ hit: true }));
await service.start();
`;

test('packing a source folder is refused: it exports .ts, which Node will not load from node_modules', () => {
  const r = run(npm, ['pack', '--dry-run', './packages/config'], root, 60_000);
  assert.notEqual(r.code, 0, r.all);
  assert.match(r.all, /@holdfast\/config: this folder exports TypeScript sources/);
  assert.match(r.all, /npm run build && npm pack .*packages\/config\/dist/);
});

test(
  'the packed packages install into a fresh project, and its plain-JS service runs under the installed holdfast',
  { timeout: 900_000 },
  async (t) => {
    const work = tempDir(t, 'hf-packed-');
    const out = join(work, 'build');
    const packs = join(work, 'packs');
    const app = join(work, 'app');

    console.log('# building every public package');
    const built = run(process.execPath, [join(root, 'scripts/build.ts'), '--out', out], root, 600_000);
    assert.equal(built.code, 0, `npm run build -- --out ${out} failed:\n${built.all}`);

    console.log('# packing');
    run('mkdir', ['-p', packs, app], work);
    const names = readdirSync(out);
    assert.deepEqual(names.sort(), ['cli', 'config', 'failover', 'guard', 'insight', 'service', 'supervisor']);
    for (const n of names) {
      const p = run(npm, ['pack', '--pack-destination', packs, join(out, n)], work, 120_000);
      assert.equal(p.code, 0, `npm pack ${n}: ${p.all}`);
    }
    const tarballs = readdirSync(packs).map((f) => join(packs, f));
    assert.equal(tarballs.length, 7);

    console.log('# installing the tarballs into a fresh project');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'visits', private: true, type: 'module' }));
    const inst = run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], app, 600_000);
    assert.equal(inst.code, 0, `npm install of the packed packages failed (it needs the registry or a warm npm cache):\n${inst.all}`);
    for (const pkg of ['config', 'service', 'supervisor', 'guard']) {
      const m = JSON.parse(readFileSync(join(app, 'node_modules', '@holdfast', pkg, 'package.json'), 'utf8')) as {
        exports: Record<string, unknown>;
      };
      assert.doesNotMatch(JSON.stringify(m.exports), /(?<!\.d)\.ts"/, `@holdfast/${pkg} installed exports no .ts source`);
    }

    console.log('# the service and the CLI');
    const port = await freePort();
    const cachePort = await freePort();
    writeFileSync(join(app, 'server.js'), SERVER);
    writeFileSync(join(app, 'rules.yaml'), RULES);
    writeFileSync(join(app, 'cache.js'), CACHE);
    writeFileSync(
      join(app, 'holdfast.yaml'),
      [
        'supervisor:',
        `  socket: ${join(app, 's.sock')}`,
        `  stateDir: ${join(app, 'state')}`,
        `  logDir: ${join(app, 'logs')}`,
        'programs:',
        '  cache:',
        '    command: node cache.js',
        `    env: {PORT: ${cachePort}}`,
        '    ready: {notify: true}',
        '  visits:',
        '    dependsOn: [cache]',
        '    command: node server.js',
        '    instances: 2',
        `    listen: [{port: ${port}, host: 127.0.0.1}]`,
        '    ready: {notify: true}',
        '    stopTimeoutMs: 10s',
        '',
      ].join('\n'),
    );
    const check = await holdfast(app, ['supervise', '--check', '-c', 'holdfast.yaml']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /is valid: 2 program/);

    // The daemon: `holdfast supervise` in the foreground; cleanup shuts it down, then kills its group.
    cleanup(t, () => holdfast(app, ['shutdown', '-c', 'holdfast.yaml']));
    const daemon = startChild(
      t,
      process.execPath,
      [...NODE_PLAIN, join(app, 'node_modules', '.bin', 'holdfast'), 'supervise', '-c', 'holdfast.yaml'],
      { cwd: app },
    );
    const ready = (st: { programs: { name?: string; state: string }[] }) =>
      st.programs.length === 3 && st.programs.every((p) => p.state === 'READY');
    await waitFor(
      'cache and two visits instances READY',
      async () => {
        const s = await holdfast(app, ['status', '--json', '-c', 'holdfast.yaml']);
        if (s.code !== 0) return false;
        return ready(JSON.parse(s.stdout) as { programs: { state: string }[] });
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\ndaemon output:\n${daemon.lines.join('\n')}`, { cause: err });
    });
    const res = await fetch(`http://127.0.0.1:${port}/visits/home`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { page: string }).page, 'home');

    // The typo'd rule is reported at load, with the route it probably meant.
    const visitsLogs = () =>
      readdirSync(join(app, 'logs'))
        .filter((f) => f.startsWith('visits'))
        .map((f) => readFileSync(join(app, 'logs', f), 'utf8'))
        .join('\n');
    const typo = /rule 'visits-qps' names 'GET \/visits\/:id', which matches no route of this app[^\n]*GET \/visits\/:page/;
    await waitFor("the typo'd rule reported", () => typo.test(visitsLogs())).catch((err: unknown) => {
      throw new Error(`${String(err)}\nvisits logs:\n${visitsLogs()}`, { cause: err });
    });

    // A slow request through a restart: answered, not cut (the stop budget reaches the service).
    const slow = fetch(`http://127.0.0.1:${port}/slow?ms=3000`).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { slept: number },
    }));
    await new Promise((r) => setTimeout(r, 300));
    const restart = await holdfast(app, ['restart', 'visits', '-c', 'holdfast.yaml']);
    assert.equal(restart.code, 0, restart.stdout + restart.stderr);
    const answered = await slow;
    assert.equal(answered.status, 200);
    assert.equal(answered.body.slept, 3000);

    // A stopped dependency: `start visits` starts cache first and returns once both are READY.
    const stop = await holdfast(app, ['stop', 'cache', '-c', 'holdfast.yaml']);
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    const t0 = performance.now();
    const start = await holdfast(app, ['start', 'visits', '--timeout', '30s', '-c', 'holdfast.yaml']);
    assert.equal(start.code, 0, start.stdout + start.stderr);
    assert.ok(
      performance.now() - t0 < 25_000,
      `start returned when its wait held, not at its timeout (${Math.round(performance.now() - t0)} ms)`,
    );
    assert.ok(
      ready(JSON.parse((await holdfast(app, ['status', '--json', '-c', 'holdfast.yaml'])).stdout) as { programs: { state: string }[] }),
    );

    const before = JSON.parse((await holdfast(app, ['status', '--json', '-c', 'holdfast.yaml'])).stdout) as { programs: { pid: number }[] };
    const hup = await holdfast(app, ['signal', 'HUP', 'visits', '-c', 'holdfast.yaml']);
    assert.equal(hup.code, 0, hup.stderr);
    await waitFor('the reload hook on both instances', () => {
      const logs = readdirSync(join(app, 'logs')).filter((f) => f.startsWith('visits') && f.endsWith('.stdout.log'));
      return logs.length === 2 && logs.every((f) => readFileSync(join(app, 'logs', f), 'utf8').includes('greeting reloaded'));
    });
    const after = JSON.parse((await holdfast(app, ['status', '--json', '-c', 'holdfast.yaml'])).stdout) as {
      programs: { pid: number; state: string }[];
    };
    assert.deepEqual(
      after.programs.map((p) => p.pid),
      before.programs.map((p) => p.pid),
      'HUP reloads, it does not restart',
    );
    assert.ok(ready(after));
    assert.equal((await fetch(`http://127.0.0.1:${port}/visits/home`)).status, 200);

    const k8s = await holdfast(app, ['gen', 'k8s', '-c', 'holdfast.yaml', '--program', 'visits', '--json']);
    assert.equal(k8s.code, 0, k8s.stderr);
    const [dep] = JSON.parse(k8s.stdout) as [{ metadata: { name: string }; spec: { replicas: number } }];
    assert.equal(dep.metadata.name, 'visits');
    assert.equal(dep.spec.replicas, 2);
    assert.match(k8s.stderr, /listen\[0\]\.host is 127\.0\.0\.1/, 'the loopback bind is warned about');

    const down = await holdfast(app, ['shutdown', '-c', 'holdfast.yaml']);
    assert.equal(down.code, 0, down.stderr);
    const exit = await daemon.exited;
    assert.equal(exit.code, 0, daemon.lines.join('\n'));
  },
);
