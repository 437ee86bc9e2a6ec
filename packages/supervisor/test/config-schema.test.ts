import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '@holdfast/config';
import { tempDir } from '@holdfast/testkit';
import { loadSupervisorConfig, supervisorConfigSchema, supervisorJsonSchema, splitCommandLine } from '../src/index.ts';

test('a minimal program gets the documented defaults', () => {
  const cfg = parseConfigText('programs:\n  web:\n    command: node app.js --port 3000\n', supervisorConfigSchema);
  const web = cfg.programs.web!;
  assert.deepEqual(web.argv, ['node', 'app.js', '--port', '3000']);
  assert.equal(web.autorestart, 'on-failure');
  assert.equal(web.stopSignal, 'SIGTERM');
  assert.equal(web.stopTimeoutMs, 10_000);
  assert.equal(web.startRetries, 5);
  assert.deepEqual(web.exitCodes, [0]);
  assert.deepEqual(web.ready, { kind: 'after', ms: 1000 }, 'no ready proof: startSecs is the fallback');
  assert.deepEqual(web.backoff, { initialMs: 1000, factor: 2, maxMs: 30_000, jitter: 0.1, resetAfterMs: 30_000, immediateFirst: true });
  assert.equal(cfg.supervisor.cgroups.mode, 'auto');
});

test('units, signals, readiness forms and shell commands normalise', () => {
  const cfg = parseConfigText(
    [
      'programs:',
      '  a: {command: "echo hi && sleep 1", shell: true, stopSignal: int, stopTimeoutMs: 2s, ready: {tcp: 8080}}',
      '  b: {command: [node, b.js], ready: {http: "http://127.0.0.1:1/h", expectStatus: 204}, limits: {memory: 128MiB, cpu: 1.5}}',
      '  c: {command: x, ready: {message: true}, startRetries: infinite}',
      '  d: {command: x, ready: {notify: true}, startSecs: 500ms}',
    ].join('\n'),
    supervisorConfigSchema,
  );
  assert.deepEqual(cfg.programs.a!.argv, ['/bin/sh', '-c', 'echo hi && sleep 1']);
  assert.equal(cfg.programs.a!.stopSignal, 'SIGINT');
  assert.equal(cfg.programs.a!.stopTimeoutMs, 2000);
  assert.deepEqual(cfg.programs.a!.ready, { kind: 'tcp', port: 8080, host: '127.0.0.1', timeoutMs: 60_000, intervalMs: 50 });
  assert.deepEqual(cfg.programs.b!.ready, {
    kind: 'http',
    url: 'http://127.0.0.1:1/h',
    expectStatus: [204],
    timeoutMs: 60_000,
    intervalMs: 50,
  });
  assert.equal(cfg.programs.b!.limits!.memory, 128 * 2 ** 20);
  assert.equal(cfg.programs.c!.startRetries, Infinity);
  assert.deepEqual(cfg.programs.d!.ready, { kind: 'notify', fd: 3, timeoutMs: 60_000 });
  assert.equal(cfg.programs.d!.startSecs, 0.5);
});

test('command strings split like sh without expanding anything', () => {
  assert.deepEqual(splitCommandLine(`node -e 'console.log("a b")' "x \\"y\\"" z\\ w`), {
    ok: true,
    argv: ['node', '-e', 'console.log("a b")', 'x "y"', 'z w'],
  });
  assert.deepEqual(splitCommandLine('echo $HOME'), { ok: true, argv: ['echo', '$HOME'] });
  assert.equal(splitCommandLine("a 'b").ok, false);
  assert.equal(splitCommandLine('a > b').ok, false);
});

test('a config file resolves paths against its directory and merges envFile under env', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'app.env'), '# comment\nexport A=1\nB="two words"\nC=3 # trailing\n');
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(
    file,
    'programs:\n  web:\n    command: node x.js\n    envFile: app.env\n    env: {C: override}\n    logs: {stdout: {file: out.log}}\n',
  );
  const cfg = await loadSupervisorConfig(file);
  const web = cfg.programs.web!;
  assert.equal(web.cwd, dir);
  assert.deepEqual(web.env, { A: '1', B: 'two words', C: 'override' });
  assert.equal(web.logs.stdout.file, join(dir, 'out.log'));
  assert.match(cfg.id, /^holdfast-[0-9a-f]{8}$/);
  assert.ok(cfg.supervisor.stateDir.endsWith(cfg.id));
});

test('the JSON Schema export describes programs', () => {
  const js = supervisorJsonSchema() as { properties: { programs: { additionalProperties: { properties: Record<string, unknown> } } } };
  assert.ok(js.properties.programs.additionalProperties.properties.stopTimeoutMs);
});

test('listen and reload: defaults, the notify fd after the sockets, and every bad input named', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(
    file,
    'programs:\n  web:\n    command: node x.js\n    instances: 3\n    listen: [{port: 8080}, {port: 8443, host: ' +
      '127.0.0.1, name: tls}]\n    ready: {notify: true}\n    reload: {maxSurge: 2}\n',
  );
  const cfg = await loadSupervisorConfig(file);
  assert.deepEqual(cfg.programs.web!.listen, [
    { port: 8080, host: '0.0.0.0', backlog: 511 },
    { port: 8443, host: '127.0.0.1', name: 'tls', backlog: 511 },
  ]);
  assert.deepEqual(cfg.programs.web!.reload, { maxSurge: 2, maxUnavailable: 0 });
  assert.deepEqual(
    cfg.programs.web!.ready,
    { kind: 'notify', fd: 5, timeoutMs: 60_000 },
    'fds 3 and 4 are the sockets: notify defaults to 5',
  );
  assert.deepEqual(cfg.warnings, []);

  const bad: [string, RegExp][] = [
    ['    listen: [{port: 0}]\n', /programs\.web\.listen\[0\]\.port/],
    ['    listen: []\n', /programs\.web\.listen: list at least one socket/],
    ['    listen: [{port: 80, name: "a:b"}]\n', /programs\.web\.listen\[0\]\.name: .*LISTEN_FDNAMES/],
    [
      '    listen: [{port: 80}]\n    ready: {notify: true, fd: 3}\n',
      /programs\.web\.ready\.fd: fd 3 is taken by a listening socket .* use 4 or more/,
    ],
    [
      '    listen: [{port: 80}, {port: 80, host: 127.0.0.1}]\n',
      /programs\.web\.listen\[1\]\.port: port 80 is already listed by entry 0 of this program/,
    ],
    ['    reload: {maxSurge: 0}\n', /programs\.web\.reload: maxSurge and maxUnavailable cannot both be 0/],
  ];
  for (const [extra, reason] of bad) {
    writeFileSync(file, `programs:\n  web:\n    command: node x.js\n${extra}`);
    await assert.rejects(loadSupervisorConfig(file), reason, extra);
  }
  writeFileSync(
    file,
    'programs:\n  a:\n    command: x\n    listen: [{port: 81}]\n  b:\n    command: y\n    listen: [{port: 81, host: 127.0.0.1}]\n',
  );
  await assert.rejects(loadSupervisorConfig(file), /programs\.b\.listen\[0\]\.port: port 81 is already listed by programs\.a\.listen\[0\]/);
  // A probe of the shared port cannot tell which instance answered: a warning says so.
  writeFileSync(
    file,
    'programs:\n  web:\n    command: x\n    instances: 2\n    listen: [{port: 8080}]\n    ready: {http: "http://127.0.0.1:8080/readyz"}\n',
  );
  assert.match(
    (await loadSupervisorConfig(file)).warnings.join('\n'),
    /programs\.web\.ready: the http probe goes to the shared port 8080.*notify: true/,
  );
});
