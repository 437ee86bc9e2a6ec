// Bad input: every malformed config below is rejected with a precise error (path, reason, and
// line for YAML), and a daemon given one starts nothing.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '@holdfast/config';
import { startChild, tempDir } from '@holdfast/testkit';
import { configId, daemonArgv, loadSupervisorConfig } from '../src/index.ts';
import { pidsWithEnvPrefix } from '../src/process/proc.ts';

interface Expect {
  path: string;
  message: RegExp;
  line?: number;
  hint?: RegExp;
}

const web = (extra: string) => `programs:\n  web:\n    command: node app.js\n${extra}`;

/** [name, file contents (YAML unless the name says otherwise), expected issue]. */
const cases: [string, string, Expect][] = [
  ['no programs at all', 'supervisor: {logLevel: info}\n', { path: 'programs', message: /missing required field/ }],
  ['programs as a list', 'programs: [web, worker]\n', { path: 'programs', message: /expected record/, line: 1 }],
  [
    'a program without a command',
    'programs:\n  web:\n    cwd: /tmp\n',
    { path: 'programs.web.command', message: /missing required field/, line: 2 },
  ],
  ['an empty command', web('').replace('node app.js', '""'), { path: 'programs.web.command', message: /the command is empty/, line: 3 }],
  ['an empty argv', web('').replace('node app.js', '[]'), { path: 'programs.web.command', message: /the command is empty/, line: 3 }],
  [
    'a command of the wrong type',
    web('').replace('node app.js', '42'),
    { path: 'programs.web.command', message: /expected a command line \(string\) or an argv list, got number/, line: 3 },
  ],
  [
    'a template id field name that needs escaping',
    web("    logs:\n      templateId: {field: 'tid\"x'}\n"),
    { path: 'programs.web.logs.templateId.field', message: /a field name is 1 to 64 letters/, line: 5 },
  ],
  [
    'templateId as a word',
    web('    logs: {templateId: yes}\n'),
    { path: 'programs.web.logs.templateId', message: /expected true, false, or \{field, textField\}, got string/, line: 4 },
  ],
  [
    'templateId on a program that is not mined',
    web('    mining: false\n    logs:\n      templateId: true\n'),
    { path: 'programs.web.logs.templateId', message: /templateId needs the program's output mined, but it says mining: false/, line: 6 },
  ],
  [
    'templateId where JSON lines are read as plain text',
    web('    logs: {templateId: true}\n') + 'mining:\n  defaults: {json: false}\n',
    { path: 'programs.web.logs.templateId', message: /reads them as plain text \(json: false\)/, line: 4 },
  ],
  [
    'an unknown key',
    web('    stop_signal: TERM\n'),
    { path: 'programs.web.stop_signal', message: /unknown key 'stop_signal'/, line: 4, hint: /did you mean 'stopSignal'/ },
  ],
  [
    'an unknown top-level key',
    'program:\n  web: {command: x}\n',
    { path: 'program', message: /unknown key 'program'/, line: 1, hint: /did you mean 'programs'/ },
  ],
  [
    'a bad signal name',
    web('    stopSignal: SIGFOO\n'),
    { path: 'programs.web.stopSignal', message: /'SIGFOO' is not a signal name/, line: 4 },
  ],
  [
    'a negative stop timeout',
    web('    stopTimeoutMs: -5\n'),
    { path: 'programs.web.stopTimeoutMs', message: /'-5' is not a duration/, line: 4 },
  ],
  [
    'a duration in words',
    web('    stopTimeoutMs: 10 seconds\n'),
    { path: 'programs.web.stopTimeoutMs', message: /'10 seconds' is not a duration/, line: 4 },
  ],
  ['negative instances', web('    instances: -1\n'), { path: 'programs.web.instances', message: /expected number to be >=1/, line: 4 }],
  ['fractional instances', web('    instances: 1.5\n'), { path: 'programs.web.instances', message: /expected int/, line: 4 }],
  [
    'a misspelt autorestart',
    web('    autorestart: alway\n'),
    {
      path: 'programs.web.autorestart',
      message: /expected one of "always"\|"on-failure"\|"never"/,
      line: 4,
      hint: /did you mean 'always'/,
    },
  ],
  [
    'an exit code past 255',
    web('    exitCodes: [0, 256]\n'),
    { path: 'programs.web.exitCodes.1', message: /expected number to be <=255/, line: 4 },
  ],
  ['negative startRetries', web('    startRetries: -1\n'), { path: 'programs.web.startRetries', message: /(>=0|invalid)/i, line: 4 }],
  [
    'a backoff factor below 1',
    web('    backoff: {factor: 0.5}\n'),
    { path: 'programs.web.backoff.factor', message: /expected number to be >=1/, line: 4 },
  ],
  [
    'a jitter above 1',
    web('    backoff: {jitter: 2}\n'),
    { path: 'programs.web.backoff.jitter', message: /expected number to be <=1/, line: 4 },
  ],
  [
    'a backoff cap below its start',
    web('    backoff: {initialMs: 5s, maxMs: 1s}\n'),
    { path: 'programs.web.backoff.maxMs', message: /maxMs must be at least initialMs/ },
  ],
  [
    'two readiness proofs',
    web('    ready: {tcp: 8080, http: "http://127.0.0.1:8080/"}\n'),
    { path: 'programs.web.ready', message: /ready takes one proof, got tcp and http/, line: 4 },
  ],
  [
    'no readiness proof',
    web('    ready: {timeoutMs: 5s}\n'),
    { path: 'programs.web.ready', message: /ready needs one of tcp, http, message, notify or afterMs/, line: 4 },
  ],
  ['a port out of range', web('    ready: {tcp: 70000}\n'), { path: 'programs.web.ready.tcp', message: /(<=65535|invalid)/i, line: 4 }],
  [
    'an http probe without a URL',
    web('    ready: {http: "localhost:8080/health"}\n'),
    { path: 'programs.web.ready.http', message: /is not an http:\/\/ or https:\/\/ URL/, line: 4 },
  ],
  [
    'a liveness probe with nothing to probe',
    web('    liveness: {periodMs: 1s}\n'),
    { path: 'programs.web.liveness', message: /exactly one of http or tcp/, line: 4 },
  ],
  [
    'a memory limit of 10 bytes',
    web('    limits: {memory: 10}\n'),
    { path: 'programs.web.limits.memory', message: /at least 1MiB/, line: 4 },
  ],
  [
    'a memory limit too small to run Node',
    web('    limits: {memory: 100MiB}\n'),
    {
      path: 'programs.web.limits.memory',
      message:
        /100MiB is too small for a Node program: holdfast gives its old space 75% of the limit minus 64MiB \(for the young generation\), which leaves 11MiB; give at least 128MiB, or set limits.nodeHeap: off/,
      line: 4,
    },
  ],
  [
    'a memory limit Node cannot start in, heap sizing off',
    web('    limits: {memory: 40MiB, nodeHeap: off}\n'),
    {
      path: 'programs.web.limits.memory',
      message: /40MiB is too small for a Node program: Node alone holds about 45MiB at start; give at least 64MiB/,
      line: 4,
    },
  ],
  [
    'a memory limit in words',
    web('    limits: {memory: lots}\n'),
    { path: 'programs.web.limits.memory', message: /'lots' is not a size/, line: 4 },
  ],
  [
    'a negative CPU limit',
    web('    limits: {cpu: -1}\n'),
    { path: 'programs.web.limits.cpu', message: /expected number to be >0/, line: 4 },
  ],
  [
    'an unknown dependency',
    'programs:\n  web: {command: x, dependsOn: [databse]}\n  database: {command: y}\n',
    { path: 'programs.web.dependsOn.0', message: /dependsOn 'databse' is not a program or group \(did you mean 'database'\?\)/, line: 2 },
  ],
  [
    'a dependency cycle',
    'programs:\n  a: {command: x, dependsOn: [b]}\n  b: {command: x, dependsOn: [c]}\n  c: {command: x, dependsOn: [a]}\n',
    { path: 'programs.c.dependsOn.0', message: /dependsOn cycle: a → b → c → a/, line: 4 },
  ],
  [
    'a dependency cycle through a group (named)',
    'programs:\n  web: {command: x, dependsOn: [backend]}\n  db: {command: x, dependsOn: [web]}\n  cache: {command: ' +
      'x}\ngroups:\n  backend: {programs: [db, cache]}\n',
    { path: 'programs.db.dependsOn.0', message: /^dependsOn cycle: web → db \(through group 'backend'\) → web$/, line: 3 },
  ],
  [
    'a program depending on itself',
    'programs:\n  a: {command: x, dependsOn: [a]}\n',
    { path: 'programs.a.dependsOn.0', message: /depends on itself/, line: 2 },
  ],
  [
    'a group with an unknown program',
    'programs:\n  web: {command: x}\ngroups:\n  g: {programs: [web, wokrer]}\n',
    { path: 'groups.g.programs.1', message: /unknown program 'wokrer'/, line: 4 },
  ],
  [
    'a program in two groups',
    'programs:\n  web: {command: x}\ngroups:\n  g1: {programs: [web]}\n  g2: {programs: [web]}\n',
    { path: 'groups.g2.programs.0', message: /already in group 'g1'/, line: 5 },
  ],
  [
    'a group named like a program',
    'programs:\n  web: {command: x}\ngroups:\n  web: {programs: [web]}\n',
    { path: 'groups.web', message: /has the name of a program/, line: 4 },
  ],
  [
    'a program name with a colon',
    'programs:\n  "web:1": {command: x}\n',
    { path: 'programs.web:1', message: /'web:1': names use letters, digits.*no ":"/, line: 2 },
  ],
  [
    'shell syntax without a shell',
    web('').replace('node app.js', '"node app.js | tee out.log"'),
    { path: 'programs.web.command', message: /'\|' at character 13 is shell syntax.*set 'shell: true'/, line: 3 },
  ],
  [
    'shell with an argv list',
    web('    shell: true\n').replace('node app.js', '[node, app.js]'),
    { path: 'programs.web.shell', message: /shell: true needs the command as one string/, line: 4 },
  ],
  [
    'an unbalanced quote',
    web('').replace('node app.js', `"node -e 'console.log(1)"`),
    { path: 'programs.web.command', message: /unterminated single quote/, line: 3 },
  ],
  [
    'a TCP control API without a token',
    'supervisor:\n  http: {port: 9050}\nprograms:\n  web: {command: x}\n',
    { path: 'supervisor.http.token', message: /a TCP control API needs a bearer token/, line: 2 },
  ],
  [
    'a short token',
    'supervisor:\n  http: {port: 9050, token: short}\nprograms:\n  web: {command: x}\n',
    { path: 'supervisor.http.token', message: /at least 16 characters/, line: 2 },
  ],
  [
    'a memory poll slower than 1 s',
    'supervisor:\n  cgroups: {pollMs: 5s}\nprograms:\n  web: {command: x}\n',
    { path: 'supervisor.cgroups.pollMs', message: /between 50ms and 1s/, line: 2 },
  ],
  [
    'negative log backups',
    web('    logs: {stdout: {backups: -1}}\n'),
    { path: 'programs.web.logs.stdout.backups', message: /expected number to be >=0/, line: 4 },
  ],
  [
    'an environment value that is an object',
    web('    env: {A: {b: 1}}\n'),
    { path: 'programs.web.env.A', message: /expected a string, number or boolean, got a map/, line: 4 },
  ],
  [
    'a bad log level',
    'supervisor: {logLevel: loud}\nprograms:\n  web: {command: x}\n',
    { path: 'supervisor.logLevel', message: /expected one of/, line: 1 },
  ],
  [
    'a dashboard without a port',
    web('dashboard: {host: 127.0.0.1}\n'),
    { path: 'dashboard.port', message: /missing required field/, line: 4 },
  ],
  [
    'a dashboard port past 65535',
    web('dashboard: {port: 70000}\n'),
    { path: 'dashboard.port', message: /expected number to be <=65535/, line: 4 },
  ],
  [
    'a dashboard guard entry for no program',
    web('dashboard:\n  port: 3010\n  guard:\n    wbe: {rules: rules.yaml}\n'),
    { path: 'dashboard.guard.wbe', message: /unknown program 'wbe' \(programs: web\)/, line: 7 },
  ],
  [
    'a dashboard metrics address that is not a URL',
    web('dashboard:\n  port: 3010\n  guard:\n    web: {metrics: "127.0.0.1:9464"}\n'),
    { path: 'dashboard.guard.web.metrics', message: /expected an http:\/\/ URL/, line: 7 },
  ],
  [
    "where a program's metrics are said twice: the deprecated dashboard.guard.<p>.metrics beside programs.<p>.metrics",
    web(
      '    metrics: http://127.0.0.1:9464/metrics\ndashboard:\n  port: 3010\n  guard:\n' +
        '    web: {metrics: "http://127.0.0.1:9465/metrics"}\n',
    ),
    {
      path: 'dashboard.guard.web.metrics',
      message: /programs\.web\.metrics already says where web's metrics are, and the dashboard reads it there: remove this line/,
      line: 8,
    },
  ],
  [
    'a session shorter than a minute',
    web('dashboard: {port: 3010, sessionTtlMs: 10s}\n'),
    { path: 'dashboard.sessionTtlMs', message: /between 1m and 30d/, line: 4 },
  ],
  [
    'a misspelt dashboard key',
    web('dashboard: {port: 3010, sesionTtlMs: 1h}\n'),
    { path: 'dashboard.sesionTtlMs', message: /unknown key/, line: 4, hint: /did you mean 'sessionTtlMs'/ },
  ],
  [
    'a failover status token too short',
    web('dashboard:\n  port: 3010\n  failover: {status: "http://10.0.0.1:9000", token: short}\n'),
    { path: 'dashboard.failover.token', message: /at least 16 characters/, line: 6 },
  ],
  ['a YAML syntax error', 'programs:\n  web:\n    command: [node, app.js\n', { path: '', message: /YAML syntax/ }],
  ['a duplicate key', 'programs:\n  web: {command: a}\n  web: {command: b}\n', { path: '', message: /YAML syntax/, line: 3 }],
  [
    'a JSON file with a type error (json)',
    '{\n  "programs": {\n    "web": {"command": "x", "instances": "two"}\n  }\n}\n',
    { path: 'programs.web.instances', message: /expected number/, line: 3 },
  ],
];

async function issuesFor(t: Parameters<typeof tempDir>[0], name: string, text: string): Promise<ConfigError['issues']> {
  const dir = tempDir(t, 'hf-bad-');
  const file = join(dir, name.endsWith('(json)') ? 'holdfast.json' : 'holdfast.yaml');
  writeFileSync(file, text);
  try {
    await loadSupervisorConfig(file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'HOLDFAST_E_CONFIG');
    return err.issues.map((i) => ({ ...i, file: i.file === file ? 'FILE' : i.file }));
  }
  assert.fail('the config was accepted');
}

for (const [name, text, want] of cases) {
  test(`rejected: ${name}`, async (t) => {
    const issues = await issuesFor(t, name, text);
    const hit = issues.find((i) => i.path.join('.') === want.path && want.message.test(i.message));
    assert.ok(
      hit,
      `no issue at '${want.path}' ` +
        `matching ${want.message}; ` +
        `got:\n${issues.map((i) => `  ${i.path.join('.')} ` + `(line ${i.line}): ${i.message}`).join('\n')}`,
    );
    assert.equal(hit.file, 'FILE', 'the issue names the file');
    if (want.line !== undefined) assert.equal(hit.line, want.line, `line of ${want.path}`);
    if (want.hint) assert.match(hit.hint ?? '', want.hint);
  });
}

test('rejected: files the config points at — an unreadable envFile, a malformed one, a missing cwd, an unknown user', async (t) => {
  const dir = tempDir(t, 'hf-bad-');
  writeFileSync(join(dir, 'bad.env'), 'GOOD=1\nthis line has no equals sign\n');
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(
    file,
    'programs:\n' +
      '  a: {command: x, envFile: missing.env}\n' +
      '  b: {command: x, envFile: bad.env}\n' +
      '  c: {command: x, cwd: /no/such/dir}\n' +
      '  d: {command: x, user: no-such-user-xyz}\n' +
      '  e: {command: x, envFile: [bad.env, missing.env]}\n',
  );
  const err = await loadSupervisorConfig(file).then(
    () => assert.fail('accepted'),
    (e: unknown) => e as ConfigError,
  );
  const by = (p: string) => err.issues.find((i) => i.path.join('.') === p);
  assert.match(by('programs.a.envFile')!.message, new RegExp(`cannot read envFile ${dir}/missing.env: no such file`));
  assert.equal(by('programs.a.envFile')!.line, 2);
  assert.match(by('programs.b.envFile')!.message, /bad\.env line 2: expected KEY=VALUE, got 'this line has no equals sign'/);
  assert.match(by('programs.c.cwd')!.message, /cwd \/no\/such\/dir: no such file/);
  assert.match(by('programs.d.user')!.message, /no user 'no-such-user-xyz'/);
  assert.match(by('programs.e.envFile.1')!.message, /missing\.env: no such file/);
  assert.equal(err.issues.length, 6, 'every problem at once');
});

test('rejected: an unsupported file type', async (t) => {
  const dir = tempDir(t, 'hf-bad-');
  writeFileSync(join(dir, 'holdfast.toml'), 'x = 1\n');
  await assert.rejects(loadSupervisorConfig(join(dir, 'holdfast.toml')), /unsupported config format '\.toml'/);
});

test('a daemon given a bad config starts nothing and lists every issue', async (t) => {
  const dir = tempDir(t, 'hf-bad-');
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(
    file,
    `supervisor: {socket: ${dir}/s.sock, ` +
      `stateDir: ${dir}/state}\nprograms:\n  good: {command: sleep 1000}\n  bad: ` +
      `{command: sleep 1000, stopSignal: NOPE, dependsOn: [ghost]}\n`,
  );
  const d = startChild(t, process.execPath, daemonArgv(file));
  const { code } = await d.exited;
  assert.equal(code, 2);
  assert.match(d.stderr(), /programs\.bad\.stopSignal: 'NOPE' is not a signal name/);
  assert.match(d.stderr(), /programs\.bad\.dependsOn\[0\]: dependsOn 'ghost' is not a program or group/);
  assert.match(d.stderr(), /holdfast\.yaml:4:\d+/);
  assert.deepEqual(pidsWithEnvPrefix(`HOLDFAST_PROCESS=${configId(file)}/`), [], 'not even the valid program started');
  assert.equal(existsSync(join(dir, 's.sock')), false, 'no control socket either');
});
