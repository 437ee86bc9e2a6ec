// The `scrape:` section and the programs' `metrics:` field: each bad input refused with its path,
// line and the fix (and nothing started), the programs the daemon cannot read named at load, and
// where each instance's metrics are read.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '@holdfast/config';
import { tempDir } from '@holdfast/testkit';
import { loadSupervisorConfig } from '../src/index.ts';
import { declaredDependencies, targetFor } from '../src/insight/targets.ts';

const three = (extra: string, scrape = 'scrape: {interval: 5s}\n') =>
  `programs:\n  inventory: {command: x, listen: [{port: 3002, host: 127.0.0.1}]}\n  orders: {command: x, listen: ` +
  `[{port: 3001}]${extra}}\n  gateway: {command: x, instances: 2, listen: [{port: 3000}]}\n${scrape}`;

const cases: [string, string, { path: string; message: RegExp; line?: number; hint?: RegExp }][] = [
  [
    'a metrics URL that is not http',
    three(', metrics: "tcp://127.0.0.1:9100"'),
    {
      path: 'programs.orders.metrics',
      message: /expected an http:\/\/ URL of the metrics endpoint, like "http:\/\/127\.0\.0\.1:9464\/metrics"/,
      line: 3,
    },
  ],
  [
    'a metrics URL without a host',
    three(', metrics: {url: "http:/metrics"}'),
    { path: 'programs.orders.metrics.url', message: /expected an http:\/\/ URL/, line: 3 },
  ],
  [
    'a path that does not start with /',
    three(', metrics: {path: metrics}'),
    { path: 'programs.orders.metrics.path', message: /a path starts with "\/"/, line: 3 },
  ],
  [
    'url and path both',
    three(', metrics: {url: "http://127.0.0.1:9100/metrics", path: /m}'),
    { path: 'programs.orders.metrics.path', message: /give url or path, not both/, line: 3 },
  ],
  [
    'an unknown field',
    three(', metrics: {url: "http://127.0.0.1:9100/metrics", dependecies: {}}'),
    { path: 'programs.orders.metrics.dependecies', message: /unknown key 'dependecies'/, hint: /did you mean 'dependencies'/ },
  ],
  [
    'one URL for several instances',
    'programs:\n  gateway: {command: x, instances: 2, metrics: "http://127.0.0.1:9460/metrics"}\nscrape: {}\n',
    {
      path: 'programs.gateway.metrics',
      message:
        /'gateway' runs 2 instances: one URL would read whichever answers; put \{instance\} in it \(e\.g\. "http:\/\/127\.0\.0\.1:946\{instance\}\/metrics"\)/,
      line: 2,
    },
  ],
  [
    'a path on a socket shared by instances',
    'programs:\n  gateway: {command: x, instances: 2, listen: [{port: 3000}], metrics: {path: /metrics}}\n',
    { path: 'programs.gateway.metrics.path', message: /runs 2 instances on one listening socket/ },
  ],
  [
    'a path without a listening socket',
    'programs:\n  worker: {command: x, metrics: {path: /metrics}}\n',
    { path: 'programs.worker.metrics.path', message: /'worker' has none: give the whole url instead/ },
  ],
  [
    'a dependency naming no program',
    three(', metrics: {dependencies: {stock: inventroy}}'),
    { path: 'programs.orders.metrics.dependencies.stock', message: /unknown program 'inventroy' \(did you mean 'inventory'\?\)/, line: 3 },
  ],
  [
    'a program depending on itself',
    three(', metrics: {dependencies: {me: orders}}'),
    { path: 'programs.orders.metrics.dependencies.me', message: /cannot be its own dependency/ },
  ],
  [
    'a scrape interval under a second',
    three('', 'scrape: {interval: 200ms}\n'),
    { path: 'scrape.interval', message: /must be at least 1s/, line: 5 },
  ],
  ['a retention under a minute', three('', 'scrape: {retention: 30s}\n'), { path: 'scrape.retention', message: /must be at least 1m/ }],
  [
    'a timeout longer than the interval',
    three('', 'scrape: {interval: 5s, timeout: 10s}\n'),
    { path: 'scrape.timeout', message: /may not take longer than the interval \(5000 ms\)/ },
  ],
  ['no series allowed', three('', 'scrape: {maxSeries: 0}\n'), { path: 'scrape.maxSeries', message: />=1/ }],
  [
    'a misspelt scrape field',
    three('', 'scrape: {intervall: 5s}\n'),
    { path: 'scrape.intervall', message: /unknown key 'intervall'/, hint: /did you mean 'interval'/ },
  ],
  [
    'a duration in words',
    three('', 'scrape: {interval: five seconds}\n'),
    { path: 'scrape.interval', message: /'five seconds' is not a duration/ },
  ],
];

for (const [name, yaml, want] of cases) {
  test(`refused: ${name}`, async (t) => {
    const dir = tempDir(t, 'hf-scrape-');
    const file = join(dir, 'holdfast.yaml');
    writeFileSync(file, yaml);
    const err = await loadSupervisorConfig(file).then(
      () => assert.fail('accepted'),
      (e: unknown) => e as ConfigError,
    );
    assert.ok(err instanceof ConfigError, String(err));
    const hit = err.issues.find((i) => i.path.join('.') === want.path && want.message.test(i.message));
    assert.ok(
      hit,
      `no issue at '${want.path}' ` +
        `matching ${want.message}; ` +
        `got:\n${err.issues.map((i) => `  ${i.path.join('.')} ` + `(line ${i.line}): ${i.message}`).join('\n')}`,
    );
    if (want.line !== undefined) assert.equal(hit.line, want.line);
    if (want.hint) assert.match(hit.hint ?? '', want.hint);
  });
}

test('accepted: defaults filled in, programs without a readable address left to the daemon to report once they run', async (t) => {
  const dir = tempDir(t, 'hf-scrape-');
  const file = join(dir, 'holdfast.yaml');
  const more =
    '  worker: {command: x}\n  quiet: {command: x, metrics: false}\n  gw2: {command: x, instances: 3, metrics: ' +
    '"http://127.0.0.1:91{instance}/metrics"}\n';
  writeFileSync(file, three(', metrics: {dependencies: {stock: inventory}}', `${more}scrape: {}\n`));
  const c = await loadSupervisorConfig(file);
  assert.deepEqual(c.scrape, { interval: 15_000, retention: 3_600_000, maxSeries: 2000 });
  assert.deepEqual(c.warnings, [], 'an instance may still say where its metrics are when it is ready');
  assert.deepEqual(declaredDependencies(c.programs.orders!), { stock: 'inventory' });
  assert.equal(c.programs.quiet!.metrics, false);
});

test('without a scrape: section nothing is said about metrics', async (t) => {
  const dir = tempDir(t, 'hf-scrape-');
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(file, three('', ''));
  const c = await loadSupervisorConfig(file);
  assert.equal(c.scrape, undefined);
  assert.deepEqual(c.warnings, []);
});

test('where each instance is read: the URL with {instance}, the announced address, the one socket', () => {
  const one = { listen: [{ port: 3001, host: '0.0.0.0', backlog: 511 }], instances: 1 };
  assert.deepEqual(targetFor('orders', one, { id: 'orders', index: 0 }), {
    id: 'orders',
    program: 'orders',
    url: 'http://127.0.0.1:3001/metrics',
  });
  assert.deepEqual(targetFor('orders', { ...one, metrics: { path: '/m' } }, { id: 'orders', index: 0 }), {
    id: 'orders',
    program: 'orders',
    url: 'http://127.0.0.1:3001/m',
  });
  assert.deepEqual(targetFor('v6', { listen: [{ port: 80, host: '::', backlog: 1 }], instances: 1 }, { id: 'v6', index: 0 }), {
    id: 'v6',
    program: 'v6',
    url: 'http://[::1]:80/metrics',
  });
  const many = { listen: [{ port: 3000, host: '127.0.0.1', backlog: 511 }], instances: 2 };
  assert.deepEqual(targetFor('gateway', { ...many, metrics: 'http://127.0.0.1:91{instance}/metrics' }, { id: 'gateway:1', index: 1 }), {
    id: 'gateway:1',
    program: 'gateway',
    url: 'http://127.0.0.1:911/metrics',
  });
  assert.deepEqual(targetFor('gateway', many, { id: 'gateway:1', index: 1, announced: 'http://127.0.0.1:41234/metrics' }), {
    id: 'gateway:1',
    program: 'gateway',
    url: 'http://127.0.0.1:41234/metrics',
  });
  assert.match(
    (targetFor('gateway', many, { id: 'gateway:0', index: 0 }) as { none: string }).none,
    /2 instances share its listening socket/,
  );
  assert.equal(
    (targetFor('x', { ...one, metrics: false }, { id: 'x', index: 0, announced: 'http://a/metrics' }) as { none: string }).none,
    'metrics: false',
  );
  assert.match((targetFor('w', { instances: 1 }, { id: 'w', index: 0 }) as { none: string }).none, /no listening socket/);
});
