// supervisord.conf files of the shapes found in the wild, read by holdfast and compared with
// what supervisord itself reads from them (expected.json, written by fixtures/supervisord/oracle.py
// from supervisord's own parser), and with their YAML conversion read back through the schema.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parseConfigText } from '@holdfast/config';
import { tempDir } from '@holdfast/testkit';
import { supervisorConfigSchema, readSupervisordConf, type SupervisorConfig, type ConvertWarning } from '../src/index.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures', 'supervisord');
const CLI = resolve(import.meta.dirname, '..', '..', 'cli', 'bin', 'holdfast.ts');
// The same values oracle.py pins for supervisord.
const ENV = { PORT: '8080', APP_ENV: 'production', PHP_VERSION: '8.2', HOME: '/home/deploy' };
const HOST = 'testhost';

type LogTriple = [string | null, number, number];
interface Proc {
  group: string;
  name: string;
  argv: string[];
  directory: string | null;
  env: Record<string, string>;
  user: string | null;
  autostart: boolean;
  autorestart: string;
  exitCodes: number[];
  startSecs: number;
  startRetries: number;
  stopSignal: string;
  stopWaitSecs: number;
  priority: number;
  stdout: LogTriple;
  stderr: LogTriple;
}

function expected(fixture: string): { processes: Proc[]; parseWarnings: string[] } {
  // oracle.py writes paths under the fixtures folder as @FIXTURES@, so any checkout location works.
  const text = readFileSync(join(FIXTURES, fixture, 'expected.json'), 'utf8').replaceAll('@FIXTURES@', FIXTURES);
  return JSON.parse(text) as { processes: Proc[]; parseWarnings: string[] };
}

/** The processes a parsed holdfast config runs, in the shape oracle.py gives supervisord's. */
function processesOf(cfg: SupervisorConfig): Omit<Proc, 'name'>[] {
  const groupOf = new Map<string, string>();
  for (const [g, def] of Object.entries(cfg.groups)) for (const p of def.programs) groupOf.set(p, g);
  const out: Omit<Proc, 'name'>[] = [];
  for (const [name, p] of Object.entries(cfg.programs)) {
    const file = (f: string | false | undefined) => (f === undefined ? 'AUTO' : f === false ? null : f);
    const stdout: LogTriple = [file(p.logs.stdout.file), p.logs.stdout.maxBytes, p.logs.stdout.backups];
    const stderr: LogTriple = p.logs.redirectStderr ? stdout : [file(p.logs.stderr.file), p.logs.stderr.maxBytes, p.logs.stderr.backups];
    for (let i = 0; i < p.instances; i++) {
      out.push({
        group: groupOf.get(name) ?? name,
        argv: p.argv,
        directory: p.cwd ?? null,
        env: p.env,
        user: p.user === undefined ? null : String(p.user),
        autostart: p.autostart,
        autorestart: p.autorestart,
        exitCodes: p.exitCodes,
        startSecs: p.startSecs,
        startRetries: p.startRetries as number,
        stopSignal: p.stopSignal,
        stopWaitSecs: p.stopTimeoutMs / 1000,
        priority: p.priority,
        stdout,
        stderr,
      });
    }
  }
  return out;
}

const canonical = (procs: Omit<Proc, 'name'>[]) => procs.map((p) => JSON.stringify(p, Object.keys(p).sort())).sort();

function read(fixture: string) {
  return readSupervisordConf(join(FIXTURES, fixture, 'supervisord.conf'), { env: ENV, hostNodeName: HOST });
}

function convertWithCli(t: Parameters<typeof tempDir>[0], fixture: string): { yaml: string; stderr: string } {
  const out = join(tempDir(t), 'holdfast.yaml');
  const r = spawnSync(process.execPath, [CLI, 'convert', join(FIXTURES, fixture, 'supervisord.conf'), '-o', out], {
    env: { ...process.env, ...ENV },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return { yaml: readFileSync(out, 'utf8'), stderr: r.stderr };
}

const warned = (warnings: ConvertWarning[], section: string, key?: string) => warnings.some((w) => w.section === section && w.key === key);

describe('supervisord.conf fixtures', () => {
  for (const fixture of ['stock', 'django', 'docker', 'workers', 'includes']) {
    test(`${fixture}: holdfast runs the processes supervisord would run`, () => {
      const { config } = read(fixture);
      const cfg = supervisorConfigSchema.parse(config);
      const want = expected(fixture).processes.map(({ name: _name, ...rest }) => rest);
      if (fixture === 'docker') {
        // supervisord drops to [supervisord] user=root before it spawns, so programs without
        // user= run as root; holdfast states that user on each program.
        for (const p of want) p.user ??= 'root';
      }
      if (fixture === 'includes') {
        // Documented divergence: stdout_logfile=syslog sends output to syslog only in
        // supervisord; holdfast has no syslog writer and keeps an AUTO log file instead.
        const exporter = want.find((p) => p.group === 'exporter')!;
        assert.equal(exporter.stdout[0], null);
        exporter.stdout = ['AUTO', exporter.stdout[1], exporter.stdout[2]];
      }
      assert.deepEqual(canonical(processesOf(cfg)), canonical(want));
    });

    test(`${fixture}: the YAML printed by 'holdfast convert' yields the same programs`, (t) => {
      // The CLI runs with this machine's host name, so compare with a read that uses it too.
      const direct = supervisorConfigSchema.parse(readSupervisordConf(join(FIXTURES, fixture, 'supervisord.conf'), { env: ENV }).config);
      const { yaml, stderr } = convertWithCli(t, fixture);
      const fromYaml = parseConfigText(yaml, supervisorConfigSchema, { file: 'converted.yaml' });
      assert.deepEqual(fromYaml, direct);
      // Warnings are both YAML comments and stderr lines, never dropped.
      const warnings = readSupervisordConf(join(FIXTURES, fixture, 'supervisord.conf'), { env: ENV }).warnings;
      for (const w of warnings) {
        assert.ok(yaml.includes(`#   ${String(w)}`), `missing comment for ${String(w)}`);
        assert.ok(stderr.includes(`warning: ${String(w)}`), `missing stderr line for ${String(w)}`);
      }
    });
  }

  test('every warning names its file and line', () => {
    for (const fixture of ['stock', 'django', 'docker', 'workers', 'includes', 'nested']) {
      for (const w of read(fixture).warnings) {
        assert.ok(w.file.startsWith(FIXTURES), `${fixture}: ${String(w)}`);
        assert.ok(Number.isInteger(w.line) && w.line! > 0, `${fixture}: ${String(w)}`);
      }
    }
  });

  test('stock: the daemon settings holdfast does not use are each reported; the socket is carried over', () => {
    const { config, warnings } = read('stock');
    const keys = warnings.filter((w) => w.section === 'supervisord').map((w) => w.key);
    assert.deepEqual(keys.sort(), [
      'logfile',
      'logfile_backups',
      'logfile_maxbytes',
      'loglevel',
      'minfds',
      'minprocs',
      'nodaemon',
      'pidfile',
      'silent',
    ]);
    assert.ok(warned(warnings, 'rpcinterface:supervisor'));
    assert.ok(warned(warnings, 'supervisorctl'));
    assert.equal(config.supervisor?.socket, '/tmp/supervisor.sock');
    // Commented-out sections and keys are comments: nothing of them leaks in.
    assert.deepEqual(Object.keys(config.programs), ['cat']);
    assert.deepEqual(config.programs.cat, { command: '/bin/cat', autorestart: 'always', startRetries: 3 });
  });

  test('django: a continued command and environment, one group, childlogdir as the log directory', () => {
    const { config, warnings } = read('django');
    const cfg = supervisorConfigSchema.parse(config);
    assert.deepEqual(cfg.programs['shop-web']!.argv, [
      '/srv/shop/venv/bin/gunicorn',
      'shop.wsgi:application',
      '--bind',
      '127.0.0.1:8000',
      '--workers',
      '4',
      '--timeout',
      '120',
      '--access-logfile',
      '-',
    ]);
    assert.equal(cfg.programs['shop-web']!.env.DATABASE_URL, 'postgres://shop:s3cret@db.internal:5432/shop?sslmode=require');
    assert.equal(cfg.programs['shop-web']!.env.LANG, 'en_US.UTF-8', '[supervisord] environment= reaches every program');
    assert.deepEqual(cfg.programs['shop-worker']!.argv.slice(-3), ['-n', 'shop-worker@%h', '--concurrency=4']);
    assert.deepEqual(cfg.groups, { shop: { programs: ['shop-web', 'shop-worker', 'shop-beat'], priority: 100 } });
    assert.equal(cfg.supervisor.logDir, '/var/log/supervisor');
    assert.equal(cfg.supervisor.socket, '/var/run/supervisor.sock');
    // stdout and stderr into one file becomes one stream, the way holdfast can rotate it.
    assert.equal(cfg.programs['shop-worker']!.logs.redirectStderr, true);
    assert.ok(warned(warnings, 'program:shop-worker', 'stopasgroup'), 'stopasgroup=false is reported: holdfast signals the group');
    assert.ok(warned(warnings, 'unix_http_server', 'chmod'));
  });

  test('docker: %(ENV_X)s and %(host_node_name)s expand; /dev/stdout logs are not rotated', () => {
    const { config, envFromProcess } = read('docker');
    const cfg = supervisorConfigSchema.parse(config);
    assert.deepEqual(cfg.programs.app!.argv, ['node', '/app/server.js', '--port=8080']);
    assert.deepEqual(cfg.programs.app!.env, { NODE_ENV: 'production', HOSTNAME: HOST, LISTEN: '0.0.0.0:8080' });
    assert.deepEqual(cfg.programs['php-fpm']!.argv, ['php-fpm8.2', '-F', '-R']);
    assert.deepEqual(cfg.programs.nginx!.argv, ['nginx', '-g', 'daemon off;'], "';' without a space before it is not a comment");
    assert.deepEqual(cfg.programs.nginx!.logs.stdout, { ...cfg.programs.nginx!.logs.stdout, file: '/dev/stdout', maxBytes: 0 });
    assert.equal(cfg.programs.cron!.logs.stdout.file, false, 'NONE means no log file');
    assert.equal(cfg.programs.cron!.autorestart, 'never');
    assert.deepEqual(envFromProcess, ['APP_ENV', 'PHP_VERSION', 'PORT']);
  });

  test('workers: identical processes become instances, distinct ones separate programs in a group', () => {
    const { config, warnings } = read('workers');
    const cfg = supervisorConfigSchema.parse(config);
    assert.equal(cfg.programs.queue!.instances, 8);
    assert.ok(warned(warnings, 'program:queue', 'numprocs'), 'the renaming of queue_00… to queue:0… is reported');
    assert.deepEqual(
      Object.keys(cfg.programs).filter((n) => n.startsWith('api')),
      ['api-0', 'api-1', 'api-2'],
    );
    assert.deepEqual(cfg.programs['api-2']!.argv, ['/opt/api/bin/server', '--port', '9002', '--name', 'api.2']);
    assert.deepEqual(cfg.programs['api-2']!.env, { INSTANCE: '2', TOTAL: '3' });
    assert.deepEqual(cfg.groups.api, { programs: ['api-0', 'api-1', 'api-2'] });
    // numprocs_start=1: worker1 and worker2, as supervisord names them.
    assert.deepEqual(cfg.groups.celery, { programs: ['worker1', 'worker2'] });
    assert.deepEqual(cfg.programs.worker2!.argv.slice(3, 6), ['worker', '-n', 'worker2@%h']);
    assert.equal(cfg.programs.worker1!.startRetries, 10);
  });

  test('includes: globs relative to the including file, %(here)s per file, dot files skipped', () => {
    const { config, warnings, files } = read('includes');
    const cfg = supervisorConfigSchema.parse(config);
    const dir = join(FIXTURES, 'includes');
    assert.deepEqual(files, [
      join(dir, 'supervisord.conf'),
      join(dir, 'conf.d/10-web.conf'),
      join(dir, 'conf.d/20-jobs.conf'),
      join(dir, 'extra/exporter.ini'),
    ]);
    assert.deepEqual(Object.keys(cfg.programs).sort(), ['exporter', 'mailer', 'reports', 'web']);
    assert.deepEqual(cfg.programs.web!.argv, [`${dir}/conf.d/../bin/web`, '--config', `${dir}/conf.d/web.toml`]);
    assert.equal(cfg.programs.web!.cwd, dir, '%(ENV_DEPLOY_ROOT)s comes from [supervisord] environment=, where %(here)s is the main file');
    assert.equal(cfg.supervisor.socket, `${dir}/run/supervisor.sock`);
    assert.deepEqual(cfg.programs.mailer!.argv, ['/usr/bin/python3', '-m', 'mailer', '--queue', 'outbound mail']);
    assert.deepEqual(cfg.groups.jobs, { programs: ['mailer', 'reports'], priority: 500 });
    assert.ok(warned(warnings, 'program:exporter', 'stdout_logfile'), 'syslog is reported');
  });

  test('nested includes are followed once each, so a cycle ends, with a warning', () => {
    const { config, warnings, files } = read('nested');
    assert.deepEqual(Object.keys(config.programs).sort(), ['a', 'b']);
    assert.deepEqual(
      files.map((f) => f.slice(FIXTURES.length + 1)),
      ['nested/supervisord.conf', 'nested/a.conf', 'nested/b.conf'],
    );
    assert.equal(warnings.filter((w) => w.message.includes('ignored by supervisord')).length, 2);
    assert.equal(warnings.filter((w) => w.message.includes('already read')).length, 2, 'a.conf and supervisord.conf are not read again');
  });
});
