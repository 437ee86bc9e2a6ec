// Bad supervisord.conf input: each case is rejected whole with a ConfigError that names the file,
// the line, the section and the key, and says what to do.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, type ConfigIssue } from '@holdfast/config';
import { tempDir } from '@holdfast/testkit';
import { readSupervisordConf } from '../src/index.ts';

type T = Parameters<typeof tempDir>[0];

/** Writes `files` (the first is the main file) and returns the issues of reading it. */
function issuesOf(
  t: T,
  files: Record<string, string>,
  env: Record<string, string> = {},
): { issues: ConfigIssue[]; dir: string; error: ConfigError } {
  const dir = tempDir(t);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const main = join(dir, Object.keys(files)[0]!);
  try {
    readSupervisordConf(main, { env, hostNodeName: 'h' });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'HOLDFAST_E_CONFIG');
    return { issues: err.issues, dir, error: err };
  }
  assert.fail('expected the config to be rejected');
}

/** Exactly one issue, at `line` of `file`, on `path`, whose message matches `message`. */
function expectOne(t: T, conf: string, line: number, path: string[], message: RegExp, hint?: RegExp, env?: Record<string, string>) {
  const { issues, dir } = issuesOf(t, { 'supervisord.conf': conf }, env);
  assert.equal(issues.length, 1, JSON.stringify(issues, null, 1));
  const [i] = issues as [ConfigIssue];
  assert.equal(i.file, join(dir, 'supervisord.conf'));
  assert.equal(i.line, line, i.message);
  assert.deepEqual(i.path, path);
  assert.match(i.message, message);
  if (hint) assert.match(i.hint ?? '', hint);
}

const prog = (body: string) => `[supervisord]\nnodaemon=true\n\n[program:web]\ncommand=/bin/web\n${body}\n`;

test('an unknown section kind is an error with a did-you-mean', (t) => {
  expectOne(
    t,
    '[programs:web]\ncommand=/bin/web\n',
    1,
    ['programs:web'],
    /unknown section \[programs:web\]/,
    /did you mean \[program:web\]/,
  );
});

test('a program section without a name is an error', (t) => {
  expectOne(t, '[supervisord]\n[program]\ncommand=x\n', 2, ['program'], /unknown section/, /needs a name: \[program:name\]/);
});

test('spaces inside the section brackets are an error with the fix', (t) => {
  expectOne(t, '[ program:web ]\ncommand=x\n', 1, [' program:web '], /unknown section/, /remove the spaces/);
});

test('a key line before any section is an error', (t) => {
  expectOne(t, '; header\ncommand=/bin/x\n[program:a]\ncommand=/bin/a\n', 2, [], /before any \[section\]/);
});

test('a line that is not key = value is an error', (t) => {
  expectOne(t, prog('autostart true'), 6, ['program:web'], /not a 'key = value' line/);
});

test('a number that is not one is an error at its line', (t) => {
  expectOne(t, prog('startsecs=abc'), 6, ['program:web', 'startsecs'], /'abc' is not an integer/);
});

test('a negative count is an error', (t) => {
  expectOne(t, prog('startretries=-1'), 6, ['program:web', 'startretries'], /-1 is negative/);
});

test('a boolean that is not one is an error that lists the spellings', (t) => {
  expectOne(t, prog('autostart=maybe'), 6, ['program:web', 'autostart'], /'maybe' is not a boolean/, /true or false/);
});

test('autorestart takes true, false or unexpected only', (t) => {
  expectOne(t, prog('autorestart=sometimes'), 6, ['program:web', 'autorestart'], /not an autorestart value/, /true, false or unexpected/);
});

test('numprocs > 1 without %(process_num) in process_name is an error, as in supervisord', (t) => {
  expectOne(
    t,
    prog('numprocs=3'),
    6,
    ['program:web', 'numprocs'],
    /needs process_name to contain %\(process_num\)/,
    /process_name=%\(program_name\)s_%\(process_num\)02d/,
  );
  expectOne(t, prog('numprocs=2\nprocess_name=%(program_name)s'), 7, ['program:web', 'process_name'], /needs process_name/);
});

test('numprocs=0 is an error', (t) => {
  expectOne(t, prog('numprocs=0'), 6, ['program:web', 'numprocs'], /would run no process/);
});

test('a program without a command is an error at its header', (t) => {
  expectOne(t, '[supervisord]\n\n[program:idle]\nautostart=false\n', 3, ['program:idle'], /does not specify a command/, /command=/);
});

test('an empty command is an error', (t) => {
  expectOne(t, '[program:web]\ncommand=\n', 2, ['program:web', 'command'], /the command is empty/);
});

test('an unclosed quote in the command is an error that explains comment truncation', (t) => {
  // supervisord cuts the line at ' ;', so the quote is never closed.
  expectOne(t, "[program:web]\ncommand=bash -c 'a ; b'\n", 2, ['program:web', 'command'], /no closing quotation/, /starts a comment/);
});

test('an unset %(ENV_X)s is an error naming the variable', (t) => {
  expectOne(
    t,
    prog('directory=/srv/%(ENV_APP_HOME)s'),
    6,
    ['program:web', 'directory'],
    /environment variable APP_HOME, which is not set/,
    /set APP_HOME/,
  );
});

test('%(ENV_X)s resolves from the environment passed in', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'supervisord.conf'), prog('directory=/srv/%(ENV_APP_HOME)s'));
  const { config } = readSupervisordConf(join(dir, 'supervisord.conf'), { env: { APP_HOME: 'shop' } });
  assert.equal(config.programs.web?.cwd, '/srv/shop');
});

test('an unknown %(name)s is an error listing what is available', (t) => {
  expectOne(
    t,
    prog('stdout_logfile=/var/log/%(progam_name)s.log'),
    6,
    ['program:web', 'stdout_logfile'],
    /%\(progam_name\)s is not a name/,
    /program_name/,
  );
});

test('a lone % is an error with the %% fix', (t) => {
  expectOne(t, '[program:backup]\ncommand=/usr/bin/date +%Y-%m-%d\n', 2, ['program:backup', 'command'], /bad %-expansion/, undefined);
  const { issues } = issuesOf(t, { 'supervisord.conf': '[program:backup]\ncommand=/usr/bin/date +%Y-%m-%d\n' });
  assert.match(issues[0]!.message, /%%/);
});

test('%(process_num)d outside the per-process keys is an error, as in supervisord', (t) => {
  expectOne(
    t,
    prog('priority=%(process_num)d'),
    6,
    ['program:web', 'priority'],
    /%\(process_num\)s is not a name supervisord can expand here/,
  );
});

test('%(ENV_X)d is an error: environment values are text', (t) => {
  expectOne(t, prog('command=/bin/web %(ENV_N)02d'), 6, ['program:web', 'command'], /needs a number/, undefined, { N: '7' });
});

test('a bad signal name is an error listing the usual ones', (t) => {
  expectOne(t, prog('stopsignal=TERMINATE'), 6, ['program:web', 'stopsignal'], /'TERMINATE' is not a signal name/, /TERM, INT, QUIT/);
});

test('a signal number that does not exist is an error', (t) => {
  expectOne(t, prog('stopsignal=99'), 6, ['program:web', 'stopsignal'], /99 is not a signal number/);
});

test('exit codes must be integers from 0 to 255', (t) => {
  expectOne(t, prog('exitcodes=0,256'), 6, ['program:web', 'exitcodes'], /exit code 256 is out of range/);
  expectOne(t, prog('exitcodes=0,two'), 6, ['program:web', 'exitcodes'], /not a list of exit codes/);
});

test('a size with a unit supervisord does not know is an error with the spelling it wants', (t) => {
  expectOne(t, prog('stdout_logfile_maxbytes=50M'), 6, ['program:web', 'stdout_logfile_maxbytes'], /'50M' is not a size/, /50MB/);
});

test('a malformed environment= list is an error', (t) => {
  expectOne(t, prog('environment=A="1",B'), 6, ['program:web', 'environment'], /unexpected end of KEY=value pairs/);
  expectOne(t, prog('environment=A="1'), 6, ['program:web', 'environment'], /no closing quotation/);
});

test('stopasgroup=true with killasgroup=false is an error, as in supervisord', (t) => {
  expectOne(t, prog('stopasgroup=true\nkillasgroup=false'), 7, ['program:web', 'killasgroup'], /stopasgroup=true with killasgroup=false/);
});

test('a process name with a colon is an error', (t) => {
  expectOne(t, prog('process_name=web:main'), 6, ['program:web', 'process_name'], /contains ':'/);
});

test('a group naming an unknown program is an error with a did-you-mean', (t) => {
  expectOne(
    t,
    '[group:app]\nprograms=web,wroker\n\n[program:web]\ncommand=/bin/web\n[program:worker]\ncommand=/bin/w\n',
    2,
    ['group:app', 'programs'],
    /unknown program 'wroker'/,
    /did you mean 'worker'/,
  );
});

test('a program in two groups is an error', (t) => {
  expectOne(
    t,
    '[group:a]\nprograms=web\n[group:b]\nprograms=web\n[program:web]\ncommand=/bin/web\n',
    4,
    ['group:b', 'programs'],
    /already in \[group:a\]/,
  );
});

test('a group without programs= is an error', (t) => {
  expectOne(t, '[group:a]\npriority=1\n[program:web]\ncommand=/bin/web\n', 1, ['group:a'], /no programs= line/);
});

test('[include] without files= is an error', (t) => {
  expectOne(t, '[supervisord]\n[include]\nfile=conf.d/*.conf\n', 2, ['include'], /no files= setting/);
});

test('an include that cannot be read is an error at the files= line', (t) => {
  const { issues, dir } = issuesOf(t, {
    'supervisord.conf': '[supervisord]\n\n[include]\nfiles = conf.d\n',
    'conf.d/web.conf': '[program:web]\ncommand=/bin/web\n',
  });
  assert.equal(issues.length, 1);
  assert.deepEqual(
    { ...issues[0] },
    {
      file: join(dir, 'supervisord.conf'),
      line: 4,
      path: ['include', 'files'],
      message: `cannot read included file ${join(dir, 'conf.d')}: it is a directory`,
      hint: 'fix the path in files=, or remove it',
    },
  );
});

test('an include that matches no file is a warning, as in supervisord, a named file or a glob alike; --strict refuses it', (t) => {
  const dir = tempDir(t);
  for (const pattern of ['missing.conf', 'conf.d/*.conf']) {
    writeFileSync(
      join(dir, 'supervisord.conf'),
      `[supervisord]\nnodaemon=true\n[include]\nfiles=${pattern}\n[program:a]\ncommand=/bin/a\n`,
    );
    const { warnings, config } = readSupervisordConf(join(dir, 'supervisord.conf'));
    assert.deepEqual(Object.keys(config.programs), ['a'], 'the rest of the file is read');
    assert.deepEqual(
      warnings.map((w) => [w.line, w.section, w.key]),
      [[4, 'include', 'files']],
    );
    assert.ok(
      warnings[0]!.message.startsWith(
        `no file matches ${join(dir, pattern)} (supervisord warns about this too and carries on; --strict refuses it)`,
      ),
      warnings[0]!.message,
    );
    assert.throws(
      () => readSupervisordConf(join(dir, 'supervisord.conf'), { strict: true }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.issues.length === 1 &&
        err.issues[0]!.line === 4 &&
        /no file matches/.test(err.issues[0]!.message) &&
        /without --strict this is a warning/.test(err.issues[0]!.hint ?? ''),
    );
  }
});

test('an error inside an included file names that file and line', (t) => {
  const { issues, dir } = issuesOf(t, {
    'supervisord.conf': '[supervisord]\n[include]\nfiles=conf.d/*.conf\n',
    'conf.d/web.conf': '; web\n[program:web]\ncommand=/bin/web\nstartsecs=soon\n',
  });
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.file, join(dir, 'conf.d/web.conf'));
  assert.equal(issues[0]!.line, 4);
  assert.deepEqual(issues[0]!.path, ['program:web', 'startsecs']);
});

test('the main file missing is an error with the path', (t) => {
  const dir = tempDir(t);
  assert.throws(
    () => readSupervisordConf(join(dir, 'nope.conf')),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues[0]!.file, join(dir, 'nope.conf'));
      assert.match(err.issues[0]!.message, /file not found/);
      return true;
    },
  );
});

test('[inet_http_server] needs a valid port, and username with password', (t) => {
  expectOne(t, '[inet_http_server]\nusername=a\npassword=b\n', 1, ['inet_http_server'], /no port= value/);
  expectOne(t, '[inet_http_server]\nport=127.0.0.1:99999\n', 2, ['inet_http_server', 'port'], /port 99999 is out of range/);
  expectOne(
    t,
    '[inet_http_server]\nport=9001\nusername=admin\n',
    3,
    ['inet_http_server', 'username'],
    /username and password must be given together/,
  );
});

test('[unix_http_server] needs file=, and chmod must be octal', (t) => {
  expectOne(t, '[unix_http_server]\nchmod=0700\n', 1, ['unix_http_server'], /no file= value/);
  expectOne(t, '[unix_http_server]\nfile=/tmp/s.sock\nchmod=rwx\n', 3, ['unix_http_server', 'chmod'], /not an octal mode/);
});

test('two processes that would get one holdfast name are an error naming both sections', (t) => {
  const { issues } = issuesOf(t, {
    'supervisord.conf':
      '[program:web_1]\ncommand=/bin/a\n\n[program:web]\nprocess_name=web_%(process_num)d\nnumprocs=2\n' +
      'command=/bin/web --n %(process_num)d\n',
  });
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.line, 4);
  assert.match(issues[0]!.message, /both be called 'web_1'.*\[program:web_1\]/);
});

test('a value holdfast cannot hold is an error at the program it came from', (t) => {
  const { issues, dir } = issuesOf(t, {
    'supervisord.conf': '[supervisord]\n[program:web]\ncommand=/bin/web\nstdout_logfile_backups=5000\n',
  });
  assert.equal(issues[0]!.file, join(dir, 'supervisord.conf'));
  assert.equal(issues[0]!.line, 4);
  assert.deepEqual(issues[0]!.path, ['program:web', 'stdout_logfile_backups']);
  assert.match(issues[0]!.message, /holdfast cannot take this value: .*1000.*logs\.stdout\.backups/);
});

test('every error is reported in one pass, and the message reads file:line section.key', (t) => {
  const { issues, dir, error } = issuesOf(t, {
    'supervisord.conf': prog('startsecs=x\nautostart=perhaps\n[program:other]\nstopsignal=NOPE'),
  });
  assert.deepEqual(
    issues.map((i) => [i.line, i.path.join('.')]),
    [
      [6, 'program:web.startsecs'],
      [7, 'program:web.autostart'],
      [8, 'program:other'],
      [9, 'program:other.stopsignal'],
    ],
  );
  assert.match(
    error.message,
    new RegExp(`${join(dir, 'supervisord.conf').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6  program:web\\.startsecs: 'x' is not an integer`),
  );
});
