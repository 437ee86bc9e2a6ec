// The early lease-revoke check (etcd-io/etcd#15247, fixed by #16822 in 3.4.31, 3.5.13, 3.6.0):
// the verdict for each version line, and the warning a real multi-member etcd gets at connect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdCoordinator } from '../src/coordinator/etcd.ts';
import { earlyRevokeVerdict, earlyRevokeWarning } from '../src/coordinator/etcd-version.ts';
import { startEtcd, startEtcdCluster } from './support/etcd.ts';

test('which builds are exposed: each line before its first fixed release, every pre-3.4, on more than one member', () => {
  const exposed = (version: string, members = 3) => earlyRevokeVerdict({ version, members }).exposed;
  for (const v of ['3.4.23', '3.4.30', '3.5.0', '3.5.12', '3.3.27', '3.2.32', 'v3.4.30']) assert.equal(exposed(v), true, v);
  for (const v of ['3.4.31', '3.4.37', '3.5.13', '3.5.21', '3.6.0', '3.6.4', '3.7.0', '4.0.0', '3.6.0-rc.1'])
    assert.equal(exposed(v), false, v);
  assert.equal(exposed('3.4.23', 1), false, 'a single member has no old leader to revoke anything');
  assert.equal(exposed('banana'), true, 'a version that cannot be read is reported, not trusted');
  const v = earlyRevokeVerdict({ version: '3.5.9', members: 5 });
  assert.ok(v.exposed && v.upgradeTo === '3.5.13');
  const w = earlyRevokeWarning({ version: '3.4.23', members: 3 })!;
  assert.match(w, /etcd 3\.4\.23 predates 3\.4\.31.*3-member.*etcd-io\/etcd#15247.*etcd-io\/etcd#16822.*Upgrade etcd to 3\.4\.31/);
  assert.equal(earlyRevokeWarning({ version: '3.4.23', members: 1 }), null);
});

test(
  'at connect, a 3-member etcd on a build with the bug gets a warning naming the release to upgrade to; a single ' + 'member does not',
  async (t) => {
    const cluster = await startEtcdCluster(t, 3);
    const warnings: { message: string; details: Record<string, unknown> }[] = [];
    const c = new EtcdCoordinator({
      endpoints: cluster.endpoints,
      cluster: 'v',
      ttlMs: 2000,
      connectTimeoutMs: 20_000,
      onWarning: (message, details) => warnings.push({ message, details }),
    });
    t.after(() => c.close());
    await c.connect();
    assert.equal(c.server?.members, 3);
    const version = c.server!.version;
    if (earlyRevokeVerdict({ version, members: 3 }).exposed) {
      assert.equal(warnings.length, 1, `etcd ${version} is exposed: one warning`);
      assert.match(warnings[0]!.message, /3-member cluster.*etcd-io\/etcd#15247.*Upgrade etcd to 3\.\d+\.\d+/);
      assert.deepEqual(warnings[0]!.details, { etcdVersion: version, members: 3 });
    } else {
      assert.deepEqual(warnings, [], `etcd ${version} has the fix`);
    }

    const single = await startEtcd(t);
    const quiet: string[] = [];
    const s = new EtcdCoordinator({ endpoints: [single.endpoint], cluster: 'v', ttlMs: 2000, onWarning: (m) => quiet.push(m) });
    t.after(() => s.close());
    await s.connect();
    assert.deepEqual(quiet, []);
  },
);
