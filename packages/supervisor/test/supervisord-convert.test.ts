// `holdfast convert` as a user runs it (a real CLI process), the daemon's loader reading a
// supervisord.conf directly, and the mapping choices that are holdfast's own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { loadSupervisorConfig, readSupervisordConf, supervisorConfigSchema } from '../src/index.ts';

const CLI = resolve(import.meta.dirname, '..', '..', 'cli', 'bin', 'holdfast.ts');
type T = Parameters<typeof tempDir>[0];

function holdfast(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

function confFile(t: T, text: string, name = 'supervisord.conf'): string {
  const file = join(tempDir(t), name);
  writeFileSync(file, text);
  return file;
}

test('holdfast convert --json prints {config, warnings} with file and line on each warning', (t) => {
  const file = confFile(t, '[supervisord]\nnodaemon=true\n\n[program:web]\ncommand=node app.js --port %(ENV_PORT)s\numask=022\n');
  const r = holdfast(['convert', file, '--json'], { PORT: '3000' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    config: { programs: Record<string, { command: unknown }> };
    warnings: { file: string; line: number; key: string }[];
    envFromProcess: string[];
  };
  assert.deepEqual(out.config.programs.web!.command, 'node app.js --port 3000');
  assert.deepEqual(
    out.warnings.map((w) => [w.file, w.line, w.key]),
    [[file, 6, 'umask']],
  );
  assert.deepEqual(out.envFromProcess, ['PORT']);
  assert.match(r.stderr, /warning: .*supervisord\.conf:6 \[program:web\] umask: not supported/);
});

test('holdfast convert prints YAML whose header names the warnings and the copied environment', (t) => {
  const file = confFile(t, '[program:web]\ncommand=node app.js --port %(ENV_PORT)s\nserverurl=AUTO\n[supervisord]\nnodaemon=true\n');
  const r = holdfast(['convert', file], { PORT: '3000' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^# holdfast config converted from /);
  assert.match(r.stdout, /# Values copied from the environment at conversion time \(%\(ENV_X\)s\): PORT/);
  assert.match(r.stdout, /# 1 warning\(s\)/);
  assert.match(r.stdout, /# {3}.*supervisord\.conf:3 \[program:web\] serverurl: not supported/);
  assert.match(r.stdout, /^programs:\n {2}web:\n {4}command: node app\.js --port 3000\n/m);
});

test('holdfast convert on a bad file exits 1 with file:line, or a JSON error with --json', (t) => {
  const file = confFile(t, '[program:web]\ncommand=/bin/web\nstartsecs=soon\n');
  const r = holdfast(['convert', file]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /\[HOLDFAST_E_CONFIG\]/);
  assert.match(r.stderr, /supervisord\.conf:3 {2}program:web\.startsecs: 'soon' is not an integer/);
  const j = holdfast(['convert', file, '--json']);
  assert.equal(j.status, 1);
  const err = JSON.parse(j.stdout) as { error: { code: string; issues: { file: string; line: number; path: string[] }[] } };
  assert.equal(err.error.code, 'HOLDFAST_E_CONFIG');
  assert.deepEqual(
    err.error.issues.map((i) => [i.file, i.line, i.path]),
    [[file, 3, ['program:web', 'startsecs']]],
  );
});

test('holdfast convert usage errors exit 2 with the usage', () => {
  const none = holdfast(['convert']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /which supervisord\.conf\?/);
  assert.match(none.stderr, /Usage: holdfast convert/);
  const bad = holdfast(['convert', 'a.conf', '--yaml']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option '--yaml'/);
  const yaml = holdfast(['convert', 'holdfast.yaml']);
  assert.equal(yaml.status, 2);
  assert.match(yaml.stderr, /looks like a holdfast config already/);
  assert.match(holdfast(['--help']).stdout, /convert\s+print the holdfast YAML equivalent of a supervisord\.conf/);
});

test('holdfast convert -o writes the file and reports what it wrote', (t) => {
  const file = confFile(t, '[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\n[supervisord]\nnodaemon=true\n');
  const out = join(tempDir(t), 'holdfast.yaml');
  const r = holdfast(['convert', file, '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /wrote .*holdfast\.yaml \(2 programs, 0 warnings\)/);
});

test("the daemon's loader reads a supervisord.conf directly (holdfast supervise -c supervisord.conf)", async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'app'));
  const file = join(dir, 'supervisord.conf');
  writeFileSync(
    file,
    '[supervisord]\nnodaemon=true\n\n[program:web]\ncommand=/bin/sleep 60\ndirectory=%(here)s/app\nstopwaitsecs=3\numask=022\n',
  );
  const cfg = await loadSupervisorConfig(file);
  assert.deepEqual(cfg.programs.web!.argv, ['/bin/sleep', '60']);
  assert.equal(cfg.programs.web!.cwd, join(dir, 'app'));
  assert.equal(cfg.programs.web!.stopTimeoutMs, 3000);
  assert.equal(cfg.programs.web!.startRetries, 3, "supervisord's startretries default, not holdfast's");
  assert.ok(
    cfg.warnings.some((w) => String(w).includes('umask')),
    'unsupported keys reach the loader as warnings',
  );
});

test("a single command that holdfast would split differently is kept as supervisord's argv", (t) => {
  // holdfast refuses shell operators in a string command; supervisord passes them as arguments.
  const file = confFile(t, "[program:a]\ncommand=/usr/bin/env FOO=1 node a.js | tee out\n[program:b]\ncommand=python -c 'print(1)'\n");
  const { config, warnings } = readSupervisordConf(file);
  assert.deepEqual(config.programs.a!.command, ['/usr/bin/env', 'FOO=1', 'node', 'a.js', '|', 'tee', 'out']);
  assert.ok(
    warnings.some((w) => w.key === 'command' && w.message.includes("'|'")),
    'a literal | is pointed out',
  );
  assert.equal(config.programs.b!.command, "python -c 'print(1)'");
});

test('[supervisord] directory= is the default cwd only when supervisord would daemonize into it', (t) => {
  const daemonizing = readSupervisordConf(confFile(t, '[supervisord]\ndirectory=/srv\n[program:a]\ncommand=/bin/a\n'));
  assert.equal(daemonizing.config.programs.a!.cwd, '/srv');
  const foreground = readSupervisordConf(confFile(t, '[supervisord]\nnodaemon=true\ndirectory=/srv\n[program:a]\ncommand=/bin/a\n'));
  assert.equal(foreground.config.programs.a!.cwd, undefined);
  assert.ok(foreground.warnings.some((w) => w.key === 'directory' && w.line === 3));
});

test('[inet_http_server] becomes the TCP control API only with a password fit to be a token', (t) => {
  const withToken = readSupervisordConf(
    confFile(t, '[inet_http_server]\nport=*:9001\nusername=admin\npassword=correct-horse-battery\n[program:a]\ncommand=/bin/a\n'),
  );
  assert.deepEqual(withToken.config.supervisor?.http, { host: '0.0.0.0', port: 9001, token: 'correct-horse-battery' });
  for (const [auth, why] of [
    ['', 'without authentication'],
    ['username=a\npassword=short\n', 'shorter than the 16'],
    ['username=a\npassword={SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d\n', 'SHA-1 hash'],
  ]) {
    const r = readSupervisordConf(confFile(t, `[inet_http_server]\nport=127.0.0.1:9001\n${auth}[program:a]\ncommand=/bin/a\n`));
    assert.equal(r.config.supervisor?.http, undefined);
    assert.ok(
      r.warnings.some((w) => w.section === 'inet_http_server' && w.message.includes(why!)),
      why,
    );
    supervisorConfigSchema.parse(r.config);
  }
});

test('unknown and unsupported keys become warnings with did-you-mean, never silent drops', (t) => {
  const file = confFile(
    t,
    '[program:web]\ncommand=/bin/web\nautorestar=true\nstdout_events_enabled=true\n[group:g]\nprograms=web\n' +
      'colour=blue\n[supervisord]\nnodaemon=true\n',
  );
  const { warnings } = readSupervisordConf(file);
  assert.deepEqual(
    warnings.map((w) => [w.line, w.section, w.key]),
    [
      [3, 'program:web', 'autorestar'],
      [4, 'program:web', 'stdout_events_enabled'],
      [7, 'group:g', 'colour'],
    ],
  );
  assert.match(warnings[0]!.message, /did you mean 'autorestart'\?/);
});

test('event listeners and FastCGI programs are reported and left out, not half-converted', (t) => {
  const file = confFile(
    t,
    '[eventlistener:memmon]\ncommand=memmon -a 200MB\nevents=TICK_60\n[fcgi-program:php]\n' +
      'socket=unix:///tmp/php.sock\ncommand=php-cgi\n[group:g]\nprograms=php,web\n[program:web]\n' +
      'command=/bin/web\n[supervisord]\nnodaemon=true\n',
  );
  const { config, warnings } = readSupervisordConf(file);
  assert.deepEqual(Object.keys(config.programs), ['web']);
  assert.deepEqual(config.groups, { g: { programs: ['web'] } });
  assert.deepEqual(
    warnings.map((w) => [w.line, w.section]),
    [
      [1, 'eventlistener:memmon'],
      [4, 'fcgi-program:php'],
      [8, 'group:g'],
    ],
  );
});

test('a group named like one of its programs is renamed, since holdfast keeps the two apart', (t) => {
  const { config, warnings } = readSupervisordConf(
    confFile(t, '[group:web]\nprograms=web,assets\n[program:web]\ncommand=/bin/web\n[program:assets]\ncommand=/bin/assets\n'),
  );
  assert.deepEqual(config.groups, { 'web-group': { programs: ['web', 'assets'] } });
  assert.ok(warnings.some((w) => w.section === 'group:web' && w.message.includes("'web-group'")));
  supervisorConfigSchema.parse(config);
});

test('names holdfast cannot take are made safe and reported', (t) => {
  const { config, warnings } = readSupervisordConf(confFile(t, '[program:web@blue]\ncommand=/bin/web\n'));
  assert.deepEqual(Object.keys(config.programs), ['web_blue']);
  assert.ok(warnings.some((w) => w.message.includes("'web@blue' becomes 'web_blue'")));
});

test('[DEFAULT] values apply to every section that does not set them, as in ConfigParser', (t) => {
  const { config } = readSupervisordConf(
    confFile(t, '[DEFAULT]\nstartsecs=7\n[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\nstartsecs=2\n'),
  );
  assert.equal(config.programs.a!.startSecs, 7);
  assert.equal(config.programs.b!.startSecs, 2);
});

test('numprocs processes of a program in a [group:x] join that group, with no group of their own', (t) => {
  const file = confFile(
    t,
    '[group:site]\nprograms=api,cron\n[program:api]\nprocess_name=api_%(process_num)d\nnumprocs=2\ncommand=/bin/api ' +
      '--port 80%(process_num)02d\n[program:cron]\ncommand=/bin/cron\n',
  );
  const { config } = readSupervisordConf(file);
  assert.deepEqual(config.groups, { site: { programs: ['api_0', 'api_1', 'cron'] } });
  assert.deepEqual(Object.keys(config.programs), ['api_0', 'api_1', 'cron']);
});

test(
  'a pool of identical processes logging to one file becomes instances (with per-instance files reported); to a ' +
    'device, separate programs',
  (t) => {
    const pool = (log: string) =>
      readSupervisordConf(
        confFile(
          t,
          `[program:q]\nprocess_name=q_%(process_num)d\nnumprocs=3\ncommand=/bin/q\n` +
            `stdout_logfile=${log}\n` +
            `stdout_logfile_maxbytes=0\nredirect_stderr=true\n`,
        ),
      );
    const file = pool('/var/log/q.log');
    assert.equal(file.config.programs.q!.instances, 3);
    assert.ok(file.warnings.some((w) => w.key === 'stdout_logfile' && w.message.includes('its own file')));
    const device = pool('/dev/stdout');
    assert.deepEqual(Object.keys(device.config.programs), ['q_0', 'q_1', 'q_2']);
    assert.deepEqual(device.config.groups, { q: { programs: ['q_0', 'q_1', 'q_2'] } });
  },
);
