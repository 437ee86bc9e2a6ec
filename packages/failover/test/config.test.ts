// cluster.yaml: defaults, profiles, both file shapes, and precise errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@holdfast/testkit';
import { clusterJsonSchema, loadClusterConfig, parseClusterConfig, timingFor } from '../src/config.ts';
import { signalsTarget } from '../src/signals/config.ts';

const minimal = { name: 'shop', node: 'a', coordinator: { kind: 'local', dir: '/tmp/x' } };

function write(t: Parameters<typeof tempDir>[0], name: string, text: string): string {
  const file = join(tempDir(t), name);
  writeFileSync(file, text);
  return file;
}

function configError(fn: () => unknown): {
  message: string;
  issues: { line?: number; path: (string | number)[]; message: string; hint?: string }[];
} {
  try {
    fn();
  } catch (err) {
    const e = err as Error & { code?: string; issues?: never[] };
    assert.equal(e.code, 'HOLDFAST_E_CONFIG', e.message);
    return e as never;
  }
  assert.fail('expected a ConfigError');
}

test('a minimal config gets safe defaults: priority 100, no preemption, a fence companion, the 5 s profile', () => {
  const c = parseClusterConfig(minimal);
  assert.equal(c.priority, 100);
  assert.equal(c.preempt, false);
  assert.deepEqual(c.fences, [{ kind: 'companion', maxValid: 60_000, startTimeout: 10_000 }], 'the default fence gets its own defaults');
  assert.deepEqual(c.resources, []);
  const t = timingFor(c);
  assert.equal(t.ttlMs, 5000);
  assert.equal(t.keepAliveIntervalMs, 1000);
  assert.equal(t.marginMs, 1000);
});

test('profiles set the TTL (fast 2 s, turbo 1 s); timing overrides accept units', () => {
  const turbo = parseClusterConfig({ ...minimal, coordinator: { kind: 'etcd', endpoints: ['http://127.0.0.1:2379'], profile: 'turbo' } });
  assert.equal(timingFor(turbo).ttlMs, 1000);
  assert.equal(timingFor(turbo).keepAliveIntervalMs, 200);
  const fast = parseClusterConfig({
    ...minimal,
    coordinator: { kind: 'etcd', endpoints: ['http://127.0.0.1:2379'], profile: 'fast' },
    timing: { margin: '300ms' },
  });
  assert.equal(timingFor(fast).ttlMs, 2000);
  assert.equal(timingFor(fast).marginMs, 300);
});

test('the node name defaults to $HOLDFAST_NODE', () => {
  const before = process.env.HOLDFAST_NODE;
  process.env.HOLDFAST_NODE = 'from-env';
  try {
    const { node: _n, ...rest } = minimal;
    assert.equal(parseClusterConfig(rest).node, 'from-env');
  } finally {
    if (before === undefined) delete process.env.HOLDFAST_NODE;
    else process.env.HOLDFAST_NODE = before;
  }
});

test('a cluster.yaml with resources, health checks and heartbeats loads', (t) => {
  const file = write(
    t,
    'cluster.yaml',
    `name: shop
node: a
priority: 150
coordinator: { kind: etcd, endpoints: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"], profile: fast }
health:
  - { name: db, tcp: "127.0.0.1:5432", interval: 500ms, rise: 2, fall: 2 }
resources:
  - { kind: exec, name: app, start: "systemctl start app", stop: "systemctl stop app", monitor: "systemctl is-active app" }
  - { kind: vip, name: vip, address: 198.18.0.100/24, interface: eth0 }
heartbeat:
  listen: "0.0.0.0:7946"
  peers: [{ node: b, address: "10.0.0.2:7946" }]
  keys: [{ id: k1, secret: "0123456789abcdef" }]
fenceHook: { command: [/usr/local/bin/power-off], timeout: 20s }
`,
  );
  const c = loadClusterConfig(file);
  assert.equal(c.priority, 150);
  assert.deepEqual(c.health[0]!.tcp, { host: '127.0.0.1', port: 5432 });
  assert.deepEqual(
    c.resources.map((r) => (r as { kind: string }).kind),
    ['exec', 'vip'],
  );
  assert.deepEqual(c.heartbeat!.peers[0]!.address, { host: '10.0.0.2', port: 7946 });
  assert.equal(c.fenceHook!.timeout, 20_000);
});

test('the cluster: section of a holdfast.yaml loads, next to other sections', (t) => {
  const file = write(
    t,
    'holdfast.yaml',
    `programs:\n  web: { command: node web.js }\ncluster:\n  name: shop\n  node: b\n  coordinator: { kind: local, dir: /tmp/x }\n`,
  );
  assert.equal(loadClusterConfig(file).node, 'b');
});

test('bad input: a misspelt key is reported with file, line, column and a did-you-mean', (t) => {
  const file = write(t, 'cluster.yaml', `name: shop\nnode: a\ncoordinator: { kind: local }\npriorty: 10\n`);
  const err = configError(() => loadClusterConfig(file));
  const issue = err.issues.find((i) => i.path.join('.') === 'priorty')!;
  assert.equal(issue.line, 4);
  assert.equal(issue.hint, "did you mean 'priority'?");
  assert.match(err.message, new RegExp(`${file}:4:1`));
});

test('bad input: every field problem at once — unknown resource kind, bad endpoint — each with its line', (t) => {
  const file = write(
    t,
    'cluster.yaml',
    `name: shop
node: a
coordinator: { kind: etcd, endpoints: ["10.0.0.1:2379"] }
timing: { margin: 4500ms }
resources:
  - { kind: vipp, name: x }
  - { kind: exec, name: app, start: a, stop: b }
  - { kind: exec, name: app, start: a, stop: b }
`,
  );
  const err = configError(() => loadClusterConfig(file));
  const byPath = (p: string) => err.issues.find((i) => i.path.join('.') === p);
  assert.match(byPath('coordinator.endpoints.0')!.message, /http:\/\/ or https:\/\//);
  assert.equal(byPath('coordinator.endpoints.0')!.line, 3);
  assert.match(byPath('resources.0.kind')!.message, /'vip' \| 'exec' \| 'program'/);
  assert.equal(byPath('resources.0.kind')!.line, 6);
});

test('bad input: cross-field problems — duplicate resource names, an unsafe timing — point at their path', (t) => {
  const file = write(
    t,
    'cluster.yaml',
    `name: shop
node: a
coordinator: { kind: local }
timing: { margin: 4500ms }
resources:
  - { kind: exec, name: app, start: a, stop: b }
  - { kind: exec, name: app, start: a, stop: b }
`,
  );
  const err = configError(() => loadClusterConfig(file));
  const byPath = (p: string) => err.issues.find((i) => i.path.join('.') === p);
  assert.match(byPath('resources.1.name')!.message, /'app' is used twice/);
  assert.equal(byPath('resources.1.name')!.line, 7);
  assert.match(byPath('timing')!.message, /unsafe leadership timing: stepDown 1000 ms must be shorter than the lead window 450 ms/);
});

test('bad input: etcd needs whole-second TTLs; heartbeat peers must not include this node; short secrets are refused', () => {
  const etcd = { kind: 'etcd', endpoints: ['http://127.0.0.1:2379'] };
  assert.throws(() => parseClusterConfig({ ...minimal, coordinator: etcd, timing: { ttl: 1500 } }), /whole seconds/);
  assert.throws(
    () =>
      parseClusterConfig({
        ...minimal,
        heartbeat: { listen: '0.0.0.0:1', peers: [{ node: 'a', address: '1.2.3.4:5' }], keys: [{ id: 'k', secret: '0123456789abcdef' }] },
      }),
    /'a' is this node/,
  );
  assert.throws(
    () =>
      parseClusterConfig({
        ...minimal,
        heartbeat: { listen: '0.0.0.0:1', peers: [{ node: 'b', address: '1.2.3.4:5' }], keys: [{ id: 'k', secret: 'short' }] },
      }),
    /at least 16 bytes/,
  );
  assert.throws(
    () => parseClusterConfig({ ...minimal, health: [{ name: 'x', tcp: '1.2.3.4:5', http: 'http://x' }] }),
    /exactly one of exec, http or tcp/,
  );
});

test('a missing file is a ConfigError with the fix', () => {
  const err = configError(() => loadClusterConfig('/nonexistent/cluster.yaml'));
  assert.match(err.message, /file not found/);
});

test('the JSON Schema describes both shapes and names the resource kinds', () => {
  const js = JSON.stringify(clusterJsonSchema());
  for (const word of [
    '"coordinator"',
    '"etcd"',
    '"local"',
    '"vip"',
    '"exec"',
    '"program"',
    '"companion"',
    '"turbo"',
    'holdfast failover cluster configuration',
  ]) {
    assert.ok(js.includes(word), `schema mentions ${word}`);
  }
});

test('signals: on when the supervisor socket is known (config or HOLDFAST_SOCKET), off otherwise unless enabled', () => {
  const c = parseClusterConfig(minimal);
  assert.deepEqual(c.signals, { queue: 1000, retry: { initial: 250, max: 30_000 }, timeout: 5000 });
  assert.equal(signalsTarget(c.signals, {}, '/etc/holdfast'), null, 'no supervisor known: off');
  assert.deepEqual(signalsTarget(c.signals, { HOLDFAST_SOCKET: '/run/holdfast/s.sock' }, '/etc/holdfast'), {
    socket: '/run/holdfast/s.sock',
    from: 'HOLDFAST_SOCKET',
  });
  const given = parseClusterConfig({ ...minimal, signals: { socket: 'sup.sock', queue: 50, retry: { initial: '1s', max: '1m' } } });
  assert.deepEqual(signalsTarget(given.signals, { HOLDFAST_SOCKET: '/elsewhere' }, '/etc/holdfast'), {
    socket: '/etc/holdfast/sup.sock',
    from: 'signals.socket',
  });
  assert.deepEqual(given.signals.retry, { initial: 1000, max: 60_000 });
  const explicit = parseClusterConfig({ ...minimal, signals: { enabled: true } });
  assert.deepEqual(signalsTarget(explicit.signals, {}, '/'), { from: 'the default socket' });
  const off = parseClusterConfig({ ...minimal, signals: { enabled: false } });
  assert.equal(signalsTarget(off.signals, { HOLDFAST_SOCKET: '/run/s.sock' }, '/'), null);
  assert.deepEqual(signalsTarget(c.signals, { HOLDFAST_SOCKET: 'http://127.0.0.1:9050', HOLDFAST_TOKEN: 'x'.repeat(16) }, '/'), {
    url: 'http://127.0.0.1:9050',
    token: 'x'.repeat(16),
    from: 'HOLDFAST_SOCKET',
  });
});

test('bad input: signals fields are refused with file, line and the fix', (t) => {
  const file = write(
    t,
    'cluster.yaml',
    `name: shop
node: a
coordinator: { kind: local }
signals:
  queue: 0
  retry: { initial: soon }
  timout: 5s
`,
  );
  const err = configError(() => loadClusterConfig(file));
  const byPath = (p: string) => err.issues.find((i) => i.path.join('.') === p);
  assert.equal(byPath('signals.queue')!.line, 5);
  assert.match(byPath('signals.queue')!.message, />=1/);
  assert.equal(byPath('signals.retry.initial')!.line, 6);
  assert.match(byPath('signals.retry.initial')!.message, /'soon' is not a duration/);
  assert.equal(byPath('signals.timout')!.line, 7);
  assert.equal(byPath('signals.timout')!.hint, "did you mean 'timeout'?");
  assert.match(err.message, new RegExp(`${file}:5:\\d+`));

  const cross = write(
    t,
    'cross.yaml',
    `name: shop
node: a
coordinator: { kind: local }
signals:
  socket: /run/holdfast/sup.sock
  token: 0123456789abcdef0123
  retry: { initial: 2s, max: 1s }
`,
  );
  const e2 = configError(() => loadClusterConfig(cross));
  const at = (p: string) => e2.issues.find((i) => i.path.join('.') === p);
  assert.equal(at('signals.retry.max')!.line, 7);
  assert.match(at('signals.retry.max')!.message, /retry\.max \(1000 ms\) is below retry\.initial \(2000 ms\)/);
  assert.equal(at('signals.token')!.line, 6);
  assert.match(at('signals.token')!.message, /a token is for the TCP control API/);
});
