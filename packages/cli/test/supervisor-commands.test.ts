// The supervisor's commands of the holdfast CLI, run as a user runs them, against a real daemon;
// and the systemd unit `holdfast gen systemd` prints.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { loadSupervisorConfig, systemdUnit } from '@holdfast/supervisor';
import { holdfast, startDaemon, writeConfig } from './support/daemon.ts';

test('status, start, stop, restart, signal, logs, update and shutdown from the command line', async (t) => {
  const echo = `sh -c 'echo hello from echo; trap "echo got HUP" HUP; while true; do sleep 0.1; done'`;
  const idle = '  idle:\n    command: sleep 1000\n    autostart: false\n';
  const yaml = `programs:\n  echo:\n    command: ${echo}\n    ready: {afterMs: 0}\n${idle}`;
  const { file, config } = await writeConfig(t, yaml);
  await startDaemon(t, config);
  const c = ['-c', file];
  let r = await holdfast(['start', 'echo', ...c]);
  assert.equal(r.code, 0, r.stderr);
  r = await holdfast(['status', ...c]);
  assert.equal(r.code, 3, 'idle is STOPPED: not all READY');
  assert.match(r.stdout, /^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+CPU\s+MEM\s+LAST EXIT/m);
  assert.match(r.stdout, /^echo\s+READY\s+\d+/m);
  assert.match(r.stdout, /^idle\s+STOPPED\s+-/m);
  assert.match(r.stdout, /daemon pid \d+, up \d+s, [\d.]+ MiB RSS, cgroup v1/);
  r = await holdfast(['status', '--json', 'echo'], { HOLDFAST_SOCKET: config.supervisor.socket });
  const json = JSON.parse(r.stdout) as { programs: { id: string; state: string }[] };
  assert.deepEqual(
    json.programs.map((p) => [p.id, p.state]),
    [['echo', 'READY']],
    'HOLDFAST_SOCKET finds the daemon too',
  );
  r = await holdfast(['start', 'idle', ...c]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^idle\s+READY/m);
  r = await holdfast(['signal', 'HUP', 'echo', ...c]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /sent SIGHUP to echo/);
  await new Promise((res) => setTimeout(res, 300));
  r = await holdfast(['logs', 'echo', '--lines', '5', ...c]);
  assert.match(r.stdout, /hello from echo\ngot HUP\n/);
  r = await holdfast(['restart', 'idle', '--json', ...c]);
  assert.equal(JSON.parse(r.stdout).instances[0].restarts, 1);
  r = await holdfast(['stop', 'idle', ...c]);
  assert.match(r.stdout, /^idle\s+STOPPED/m);
  r = await holdfast(['stop', 'idel', ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HOLDFAST_E_UNKNOWN_PROGRAM.*'idel'.*did you mean 'idle'/);
  r = await holdfast(['update', ...c]);
  assert.match(r.stdout, /no changes/);
  r = await holdfast(['shutdown', ...c]);
  assert.equal(r.code, 0);
  r = await holdfast(['status', ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HOLDFAST_E_DAEMON_UNREACHABLE.*is it running\?/);
});

test('holdfast supervise refuses a bad config and says where', async (t) => {
  const file = join(tempDir(t, 'hf-cli-'), 'holdfast.yaml');
  writeFileSync(file, 'programs:\n  web:\n    comand: x\n');
  const r = await holdfast(['supervise', '-c', file]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /holdfast\.yaml:3:5 {2}programs\.web\.comand: unknown key 'comand' \(did you mean 'command'\?\)/);
  const check = await holdfast(['supervise', '--check', '-c', file.replace('holdfast.yaml', 'nope.yaml')]);
  assert.match(check.stderr, /file not found/);
});

test('gen systemd: Restart=on-failure, KillMode=mixed, TimeoutStopSec from the ordered stop, Delegate=yes', async (t) => {
  const { file, config } = await writeConfig(
    t,
    'programs:\n  db: {command: x, stopTimeoutMs: 5s}\n  api: {command: x, stopTimeoutMs: 20s, dependsOn: [db]}\n' +
      '  cron: {command: x, stopTimeoutMs: 10s}\n',
  );
  const unit = systemdUnit({ config, cgroupVersion: 2 });
  const line = (k: string) => unit.split('\n').filter((l) => l.startsWith(`${k}=`));
  assert.deepEqual(line('Restart'), ['Restart=on-failure']);
  assert.deepEqual(line('KillMode'), ['KillMode=mixed']);
  // api and cron stop first (20 s at most), then db (5 s): 25 s, plus 5 s of margin.
  assert.deepEqual(line('TimeoutStopSec'), ['TimeoutStopSec=30']);
  assert.deepEqual(line('Delegate'), ['Delegate=yes']);
  assert.deepEqual(line('ExecReload'), ['ExecReload=/bin/kill -HUP $MAINPID']);
  const flags = '--lite-mode --max-semi-space-size=1 --optimize-for-size --expose-gc';
  assert.match(line('ExecStart')[0]!, new RegExp(`^ExecStart=\\S+node ${flags} \\S+holdfast-supervisor\\.js -c ${config.file}$`));
  assert.match(unit, /^\[Unit\][^]*^\[Service\][^]*^\[Install\]\nWantedBy=multi-user\.target$/m);
  const v1 = systemdUnit({ config: await loadSupervisorConfig(file), cgroupVersion: 1 });
  assert.match(v1, /# cgroup v1/);
  const r = await holdfast(['gen', 'systemd', '-c', file, '--cgroup', 'v2']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, unit);
  const bad = await holdfast(['gen', 'systemd', '-c', file, '--cgroup', 'v3']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--cgroup is one of v1, v2, not 'v3'/);
});
