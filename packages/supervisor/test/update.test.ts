// `update` re-reads the config and touches only what changed; a bad config is rejected whole
// (every issue with its line) and what runs keeps running.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { InstanceStatus } from '../src/index.ts';
import { startDaemon, writeConfig } from './helpers.ts';

const sleeper = (extra = '') => `    command: sleep 1000\n    ready: {afterMs: 0}\n${extra}`;

test('update applies only what changed, and rejects a bad config without touching anything', async (t) => {
  const { dir, file, config } = await writeConfig(
    t,
    'programs:\n' +
      `  a:\n${sleeper('    env: {X: "1"}\n')}` +
      `  b:\n${sleeper()}` +
      `  c:\n${sleeper('    instances: 2\n')}` +
      `  d:\n${sleeper('    limits: {pids: 100}\n')}` +
      `  f:\n${sleeper()}`,
  );
  const { client } = await startDaemon(t, config);
  await client.start('all');
  const pids = (list: InstanceStatus[]) => Object.fromEntries(list.map((i) => [i.id, i.pid]));
  const before = pids((await client.status()).programs);
  const header = readFileSync(file, 'utf8').split('programs:')[0]!;
  writeFileSync(
    file,
    header +
      'programs:\n' +
      `  a:\n${sleeper('    env: {X: "2"}\n')}` +
      `  b:\n${sleeper()}` +
      `  c:\n${sleeper('    instances: 3\n')}` +
      `  d:\n${sleeper('    limits: {pids: 50}\n    stopTimeoutMs: 3s\n')}` +
      `  e:\n${sleeper()}`,
  );
  const r = await client.update();
  assert.deepEqual(
    { added: r.added, removed: r.removed, restarted: r.restarted, scaled: r.scaled, reconfigured: r.reconfigured, unchanged: r.unchanged },
    { added: ['e'], removed: ['f'], restarted: ['a'], scaled: ['c'], reconfigured: ['d'], unchanged: ['b'] },
  );
  // What changed, program by program: the limits written live, the stop budget, the scale; env by name only.
  assert.deepEqual(r.changes, { a: ['env X'], c: ['instances 2 → 3'], d: ['stopTimeoutMs 10s → 3s', 'limits.pids 100 → 50'] });
  assert.ok(
    r.warnings.some((w) => /programs\.d\.stopTimeoutMs went down to 3000 ms/.test(w)),
    r.warnings.join('\n'),
  );
  await client.start('all');
  const after = (await client.status()).programs;
  const now = pids(after);
  assert.equal(now.b, before.b, 'unchanged: same process');
  assert.equal(now['c:0'], before['c:0'], 'scaled: existing instances untouched');
  assert.equal(now['c:1'], before['c:1']);
  assert.ok(now['c:2'], 'scaled: a third instance');
  assert.equal(now.d, before.d, 'limits changed live, no restart');
  assert.notEqual(now.a, before.a, 'environment changed: restarted');
  assert.match(readFileSync(`/proc/${now.a}/environ`, 'utf8'), /\0X=2\0/);
  assert.ok(now.e, 'added and started');
  assert.equal(now.f, undefined, 'removed');
  const dCgroup = readFileSync(`/proc/${now.d}/cgroup`, 'utf8').match(/pids:(.*)/)![1]!;
  assert.equal(
    readFileSync(join('/sys/fs/cgroup/pids', dCgroup, 'pids.max'), 'utf8').trim(),
    '50',
    'new limit written to the running cgroup',
  );

  // A bad config: rejected whole, with each problem at its line; nothing changes.
  const good = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    good.replace('  b:\n', '  b:\n    dependsOn: [e]\n    stopSignall: TERM\n').replace('  e:\n', '  e:\n    dependsOn: [b]\n'),
  );
  await assert.rejects(client.update(), (err: Error & { code?: string; details?: { issues?: { line?: number; message: string }[] } }) => {
    assert.equal(err.code, 'HOLDFAST_E_CONFIG');
    const issues = err.details!.issues!;
    assert.ok(
      issues.some((i) => /unknown key 'stopSignall'/.test(i.message) && i.line !== undefined),
      JSON.stringify(issues),
    );
    assert.ok(
      issues.some((i) => /dependsOn cycle: [be] → [be] → [be]/.test(i.message)),
      JSON.stringify(issues),
    );
    return true;
  });
  assert.deepEqual(pids((await client.status()).programs), now, 'what runs keeps running');
  void dir;
});

test('holdfast update prints the limits it changed, program by program (256MB is decimal: 244.14 MiB)', async (t) => {
  const { file, config } = await writeConfig(t, `programs:\n  web:\n${sleeper('    limits: {memory: 256MB, cpu: 1}\n')}`);
  await startDaemon(t, config);
  writeFileSync(file, readFileSync(file, 'utf8').replace('limits: {memory: 256MB, cpu: 1}', 'limits: {memory: 512MiB, cpu: 1.5}'));
  const cli = fileURLToPath(new URL('../../cli/bin/holdfast.js', import.meta.url));
  const r = spawnSync(process.execPath, [cli, 'update', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'reconfigured: web\n  web: limits.cpu 1 → 1.5; limits.memory 244.14 MiB → 512 MiB\n');
});
