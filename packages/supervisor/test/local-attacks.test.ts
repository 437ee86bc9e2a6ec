// What another local user can do to a daemon run by root: nothing. Each attack is attempted for
// real as an unprivileged user (setpriv to nobody) and refused: connecting to the control socket
// (actions, logs, events), taking the daemon's lock first (the old abstract socket name, or a
// file in its state directory), planting a state or socket directory of its own, reading program
// logs. And what a caller of the API can do to a program's environment: only the names it
// declares, never LD_*, NODE_OPTIONS or HOLDFAST_*, for that start only unless persisted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startChild, tempDir, waitFor } from '@holdfast/testkit';
import { daemonArgv, hasCode } from '../src/index.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

const NOBODY = 65534;

/** Runs a node script as nobody; resolves with what it printed (one JSON line). */
function asNobody(script: string): unknown {
  const r = spawnSync(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(r.status, 0, `setpriv as nobody failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}

const tryConnect = (path: string) => `
  import { connect } from 'node:net';
  const s = connect(${JSON.stringify(path)});
  s.once('connect', () => { console.log(JSON.stringify('connected')); s.destroy(); });
  s.once('error', (e) => console.log(JSON.stringify(e.code)));`;

/** The abstract socket name earlier versions locked a state directory with (FNV-1a of its path). */
function oldLockName(stateDir: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(stateDir)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return `\0holdfast-supervisor-${h.toString(16).padStart(16, '0')}`;
}

/** A temp dir any user may enter (0755), so only the daemon's own directory modes protect it. */
function openDir(t: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(t, 'hf-attack-');
  chmodSync(dir, 0o755);
  return dir;
}

test('as nobody: the control socket, the state directory, the lock and the logs are all out of reach', async (t) => {
  const dir = openDir(t);
  const sock = join(dir, 'run', 'holdfast.sock');
  const state = join(dir, 'state');
  const { config } = await writeConfig(
    t,
    `supervisor:\n  socket: ${sock}\n` +
      `  stateDir: ${state}\n` +
      `  logDir: ${join(dir, 'logs')}\n  logLevel: warn\n` +
      `programs:\n  web:\n    command: ` +
      `[${node}, ${join(fixtures, 'storm.mjs')}]\n    env: {EVERY_MS: 100, PAD: 3}\n    ready: {afterMs: 0}\n`,
    { dir },
  );

  // Before the first start, nobody binds the abstract socket name the lock used to have (a
  // predictable hash of the state directory): that used to keep the daemon from ever starting.
  const squatter = startChild(t, 'setpriv', [
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    '--clear-groups',
    process.execPath,
    '--input-type=module',
    '-e',
    `
    import { createServer } from 'node:net';
    createServer().listen(${JSON.stringify(oldLockName(state))}, () => console.log('squatting'));
    setInterval(() => {}, 1000);`,
  ]);
  await squatter.waitForLine('squatting');

  const { client } = await startDaemon(t, config);
  await client.start('web');
  assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700, 'the socket directory is private');
  assert.equal(statSync(sock).mode & 0o777, 0o600, 'the socket is 0600');
  assert.equal(statSync(state).mode & 0o777, 0o700, 'the state directory is private');
  assert.ok(readdirSync(state).includes('supervisor.lock'), 'the lock lives inside the state directory');

  assert.equal(asNobody(tryConnect(sock)), 'EACCES', 'no connection to the control socket (no start, stop, logs or events)');
  assert.equal(asNobody(tryConnect(join(state, 'supervisor.lock'))), 'EACCES', 'no connection to the lock');
  const write = (path: string) =>
    `
    import { writeFileSync } from 'node:fs';
    try { writeFileSync(${JSON.stringify(path)}, '{"pid":1}'); console.log(JSON.stringify('written')); } catch (e) { ` +
    `console.log(JSON.stringify(e.code)); }`;
  assert.equal(asNobody(write(join(state, 'pids', 'web.json'))), 'EACCES', 'no pid record planted');
  assert.equal(asNobody(write(join(dir, 'run', 'holdfast.sock.new'))), 'EACCES', 'nothing placed beside the socket');
  const logFile = join(dir, 'logs', 'web.stdout.log');
  // The file is opened with the program's first output, which a loaded machine may not have flushed yet.
  await waitFor("the program's log file", () => existsSync(logFile));
  assert.equal(statSync(logFile).mode & 0o777, 0o640);
  const read =
    `import { readFileSync } from 'node:fs'; try { ` +
    `readFileSync(${JSON.stringify(logFile)}); ` +
    `console.log(JSON.stringify('read')); } catch (e) { console.log(JSON.stringify(e.code)); }`;
  assert.equal(asNobody(read), 'EACCES', 'program logs are not readable');

  // The daemon restarts; the lock cannot be taken before it in the meantime.
  await client.shutdown();
  assert.equal(
    asNobody(
      `
    import { createServer } from 'node:net';
    createServer().listen(${JSON.stringify(join(state, 'supervisor.lock'))}).once('error', (e) => ` +
        `console.log(JSON.stringify(e.code))).once('listening', () => { console.log(JSON.stringify('bound')); ` +
        `process.exit(0); });`,
    ),
    'EACCES',
    'the lock path cannot be bound by another user',
  );
  const again = startChild(t, process.execPath, daemonArgv(config.file));
  await waitFor('the daemon back', () => client.status().then(() => true), { timeoutMs: 20_000 });
  assert.equal(asNobody(tryConnect(sock)), 'EACCES');
  await client.shutdown();
  await again.exited;
});

test('a state or socket directory another user can write, or owns, is refused before anything starts', async (t) => {
  const dir = openDir(t);
  const shared = join(dir, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  // nobody plants the state directory first.
  const planted = join(shared, 'state');
  asNobody(`import { mkdirSync } from 'node:fs'; mkdirSync(${JSON.stringify(planted)}, { mode: 0o700 }); console.log('1');`);
  const cases = [
    {
      name: 'planted.yaml',
      sup: `  socket: ${join(dir, 'own', 's.sock')}\n  stateDir: ${planted}\n`,
      expect: new RegExp(`HOLDFAST_E_STATE_DIR.*${planted} belongs to uid ${NOBODY}`),
    },
    {
      name: 'sticky.yaml',
      sup: `  socket: ${join(shared, 's.sock')}\n  stateDir: ${join(dir, 'state2')}\n`,
      expect: new RegExp(`HOLDFAST_E_SOCKET_PATH.*${shared} is writable by every user \\(mode 1777\\).*chmod 700`),
    },
  ];
  for (const c of cases) {
    const { file } = await writeConfig(
      t,
      `supervisor:\n${c.sup}  logDir: ${join(dir, 'logs')}\n  logLevel: warn\nprograms:\n  web:\n    command: sleep ` +
        `1000\n    ready: {afterMs: 0}\n`,
      { dir, name: c.name },
    );
    const d = startChild(t, process.execPath, daemonArgv(file));
    const { code } = await d.exited;
    assert.equal(code, 1, c.name);
    assert.match(d.stderr(), c.expect, c.name);
  }
});

test(
  'start takes only the environment a program declares, never LD_*, NODE_OPTIONS or HOLDFAST_*, for that start ' + 'only unless persisted',
  async (t) => {
    const { config } = await writeConfig(
      t,
      `programs:\n  web:\n    command: sleep 1000\n    ready: {afterMs: 0}\n    autostart: false\n    envOverridable: ` +
        `[LOG_LEVEL]\n  closed:\n    command: sleep 1000\n    ready: {afterMs: 0}\n    autostart: false\n`,
    );
    const { client } = await startDaemon(t, config);
    const envOf = async (program: string) => {
      const pid = (await client.status()).programs.find((p) => p.program === program)!.pid!;
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    };
    for (const [target, env, reason] of [
      ['web', { LD_PRELOAD: '/tmp/evil.so' }, /LD_PRELOAD: LD_\* variables make the dynamic loader run code/],
      ['web', { NODE_OPTIONS: '--require /tmp/evil.js' }, /NODE_OPTIONS: NODE_OPTIONS can make node load code/],
      ['web', { HOLDFAST_PROCESS: 'other/web' }, /HOLDFAST_PROCESS: HOLDFAST_\* variables are set by holdfast itself/],
      [
        'web',
        { PATH: '/tmp/evil' },
        /PATH is not overridable for 'web' \(it declares LOG_LEVEL\): add it to programs\.web\.envOverridable/,
      ],
      ['closed', { LOG_LEVEL: 'debug' }, /LOG_LEVEL is not overridable for 'closed' \(it declares none\)/],
    ] as const) {
      await assert.rejects(
        client.start(target, { env: { ...env } }),
        (err: Error) => hasCode(err, 'HOLDFAST_E_ENV_REFUSED') && reason.test(err.message),
        JSON.stringify(env),
      );
    }
    assert.ok(
      (await client.status()).programs.every((p) => p.state === 'STOPPED'),
      'a refused start starts nothing',
    );

    await client.start('web', { env: { LOG_LEVEL: 'debug' } });
    assert.ok((await envOf('web')).includes('LOG_LEVEL=debug'));
    await client.restart('web');
    assert.ok((await envOf('web')).includes('LOG_LEVEL=debug'), 'a restart keeps the start it restarts');
    await client.stop('web');
    await client.start('web');
    assert.ok(!(await envOf('web')).some((e) => e.startsWith('LOG_LEVEL=')), 'the next start does not inherit it');
    await client.stop('web');
    await client.start('web', { env: { LOG_LEVEL: 'trace' }, persist: true });
    await client.stop('web');
    await client.start('web');
    assert.ok((await envOf('web')).includes('LOG_LEVEL=trace'), 'persisted: kept for later starts');
    // The failover agent's term variables are always accepted.
    await client.stop('closed');
    await client.start('closed', { env: { HOLDFAST_FENCING_TOKEN: '7' } });
    assert.ok((await envOf('closed')).includes('HOLDFAST_FENCING_TOKEN=7'));
  },
);

test('env.inherit: false passes none of the daemon environment, a list passes only those names', async (t) => {
  const { config } = await writeConfig(
    t,
    `programs:\n  open:\n    command: sleep 1000\n    ready: {afterMs: 0}\n  sealed:\n    command: sleep 1000\n` +
      `    ready: {afterMs: 0}\n    env: {inherit: false, OWN: yes}\n  picked:\n    command: sleep 1000\n` +
      `    ready: {afterMs: 0}\n    env: {inherit: [KEEP_ME], OWN: yes}\n`,
  );
  const { client } = await startDaemon(t, config, { env: { ...process.env, DAEMON_SECRET: 's3cret', KEEP_ME: 'kept' } });
  const envOf = async (program: string) => {
    const pid = (await client.status()).programs.find((p) => p.program === program)!.pid!;
    return Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
  };
  const open = await envOf('open');
  assert.equal(open.DAEMON_SECRET, 's3cret', 'by default the daemon environment is passed down');
  const sealed = await envOf('sealed');
  assert.equal(sealed.DAEMON_SECRET, undefined);
  assert.equal(sealed.KEEP_ME, undefined);
  assert.equal(sealed.PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'a default PATH');
  assert.equal(sealed.OWN, 'yes');
  // (PWD: the /bin/sh prelude that gates the cgroup entry sets it.)
  assert.deepEqual(
    Object.keys(sealed)
      .filter((k) => !k.startsWith('HOLDFAST_') && k !== 'PWD')
      .sort(),
    ['OWN', 'PATH'],
  );
  const picked = await envOf('picked');
  assert.equal(picked.KEEP_ME, 'kept');
  assert.equal(picked.DAEMON_SECRET, undefined);
});
