// `holdfast status` shows the request protection that depends on more than one process: two
// replicas of a real service with a cluster rule on a real Redis and an adaptive limit, under a
// real supervisor daemon, plus a program whose metrics endpoint hangs. The status shows each
// cluster rule's mode (and, with Redis killed, the local fallback share), the adaptive limit the
// service itself reports with its bounds, and answers without waiting for the hung endpoint.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startRedis, waitFor } from '@holdfast/testkit';
import type { GuardStatus, SupervisorClient } from '@holdfast/supervisor';
import { holdfast, startDaemon, writeConfig } from './support/daemon.ts';

const service = join(import.meta.dirname, 'fixtures', 'guarded-service.ts');
const hung = join(import.meta.dirname, 'fixtures', 'hung-metrics.ts');

function get(port: number, path: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

async function guardOf(client: SupervisorClient): Promise<{ guard: GuardStatus[]; ms: number }> {
  const t0 = performance.now();
  const report = await client.status(undefined, { guard: true });
  return { guard: report.guard ?? [], ms: performance.now() - t0 };
}

const ruleOf = (g: GuardStatus[], instance: string, rule: string) =>
  g
    .flatMap((p) => p.instances)
    .find((i) => i.id === instance)
    ?.rules.find((r) => r.rule === rule);

test(
  'holdfast status shows cluster modes, the fallback share and adaptive limits, and never waits on hung metrics',
  { timeout: 180_000 },
  async (t) => {
    const redis = await startRedis(t);
    const ports = [await freePort(), await freePort()];
    const { file, config } = await writeConfig(
      t,
      [
        'programs:',
        '  orders:',
        `    command: [${process.execPath}, ${service}]`,
        '    instances: 2',
        `    env: {REDIS_URL: "${redis.url}", PORTS: "${JSON.stringify(ports).replaceAll('"', '\\"')}"}`,
        '    ready: {notify: true, timeoutMs: 30s}',
        '  wedged:',
        `    command: [${process.execPath}, ${hung}]`,
        '    ready: {notify: true}',
        '  plain:',
        `    command: [sleep, '1000']`,
        '    ready: {afterMs: 0}',
        '',
      ].join('\n'),
    );
    const { client } = await startDaemon(t, config);
    await waitFor('every program READY', async () => (await client.status()).programs.every((p) => p.state === 'READY'), {
      timeoutMs: 60_000,
    });

    // Some load on the adaptive rule's resource, so its limit is the one the service learned.
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    t.after(() => agent.destroy());
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = 0; i < 25; i++) await get(ports[0]!, '/db', agent);
      }),
    );

    // Both replicas' heartbeats are in Redis: each counts two live replicas.
    await waitFor(
      'cluster mode with 2 live replicas on both instances',
      async () => {
        const { guard } = await guardOf(client);
        return ['orders:0', 'orders:1'].every((i) => {
          const inst = guard.find((p) => p.program === 'orders')?.instances.find((x) => x.id === i);
          return inst?.liveReplicas === 2 && inst.rules.find((r) => r.rule === 'orders-global')?.mode === 'cluster';
        });
      },
      { timeoutMs: 20_000 },
    );

    const r = await holdfast(['status', '--json', '-c', file]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { guard: GuardStatus[] };
    assert.deepEqual(
      report.guard.map((p) => p.program),
      ['orders', 'wedged'],
      'plain serves no metrics: nothing shown for it',
    );
    const orders = report.guard[0]!;
    assert.deepEqual(
      orders.instances.map((i) => [i.id, i.error, i.liveReplicas, i.rules.map((x) => x.rule)]),
      [
        ['orders:0', null, 2, ['db-adaptive', 'orders-global', 'per-user']],
        ['orders:1', null, 2, ['db-adaptive', 'orders-global', 'per-user']],
      ],
    );
    assert.deepEqual(ruleOf(report.guard, 'orders:0', 'orders-global'), {
      rule: 'orders-global',
      resource: 'GET /orders',
      kind: 'flow',
      strategy: 'direct',
      mode: 'cluster',
      limit: 600,
      threshold: 600,
      minLimit: null,
      maxLimit: null,
    });
    assert.deepEqual(
      { ...ruleOf(report.guard, 'orders:0', 'per-user'), limit: null },
      {
        rule: 'per-user',
        resource: 'GET /orders',
        kind: 'hotspot',
        strategy: null,
        mode: 'cluster',
        limit: null,
        threshold: 30,
        minLimit: null,
        maxLimit: null,
      },
    );
    const adaptive = ruleOf(report.guard, 'orders:0', 'db-adaptive')!;
    const own = JSON.parse((await get(ports[0]!, '/limits')).body) as { rule: string; limit: number }[];
    assert.deepEqual(
      { mode: adaptive.mode, strategy: adaptive.strategy, limit: adaptive.limit, min: adaptive.minLimit, max: adaptive.maxLimit },
      { mode: 'local', strategy: 'adaptive', limit: own.find((f) => f.rule === 'db-adaptive')!.limit, min: 4, max: 80 },
      'the limit the service learned, as the service itself reports it',
    );
    const wedged = report.guard[1]!.instances[0]!;
    assert.equal(wedged.id, 'wedged');
    assert.match(wedged.error ?? '', /^metrics unreachable: /);
    assert.deepEqual(wedged.rules, []);

    // The hung endpoint never slows the status: each answer comes within the short wait, whether
    // the read it started is still hanging or has timed out since.
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { guard, ms } = await guardOf(client);
      times.push(ms);
      assert.match(
        guard.find((p) => p.program === 'wedged')!.instances[0]!.error ?? '',
        /^metrics unreachable: (no answer after \d+ ms|.*no answer within 800 ms)/,
      );
      await new Promise((res) => setTimeout(res, 400));
    }
    t.diagnostic(`status with a hung metrics endpoint answered in ${times.map((x) => x.toFixed(1)).join(', ')} ms`);
    assert.ok(Math.max(...times) < 500, `every status answered well before the 800 ms read timeout: ${times.join(', ')} ms`);

    // The human table.
    const table = await holdfast(['status', '-c', file]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^GUARD\s+RULE\s+RESOURCE\s+MODE\s+LIMIT$/m);
    assert.match(table.stdout, /^orders:0\s+orders-global\s+GET \/orders\s+cluster\s+600 across 2 live replicas$/m);
    assert.match(table.stdout, /^orders:1\s+per-user\s+GET \/orders\s+cluster\s+30 per key across 2 live replicas$/m);
    assert.match(table.stdout, /^orders:0\s+db-adaptive\s+GET \/db\s+adaptive\s+[\d.]+ in flight \(min 4, max 80\)$/m);
    assert.match(table.stdout, /^wedged\s+metrics unreachable: /m);

    // Redis killed: every replica enforces its share locally, and the status says so.
    await redis.kill();
    await waitFor(
      'local fallback on both instances',
      async () => {
        const { guard } = await guardOf(client);
        return ['orders:0', 'orders:1'].every((i) => ruleOf(guard, i, 'orders-global')?.mode === 'fallback');
      },
      { timeoutMs: 20_000 },
    );
    const down = JSON.parse((await holdfast(['status', '--json', 'orders', '-c', file])).stdout) as { guard: GuardStatus[] };
    assert.deepEqual(
      down.guard.map((p) => p.program),
      ['orders'],
      'status of one program shows its guard only',
    );
    for (const i of ['orders:0', 'orders:1']) {
      const g = ruleOf(down.guard, i, 'orders-global')!;
      // No traffic on GET /orders was measured, so the share is even: 600 ÷ 2 live replicas.
      assert.deepEqual([g.mode, g.limit, g.threshold], ['fallback', 300, 600], i);
      assert.equal(ruleOf(down.guard, i, 'per-user')!.mode, 'fallback');
    }
    const downTable = await holdfast(['status', 'orders', '-c', file]);
    assert.match(downTable.stdout, /^orders:0\s+orders-global\s+GET \/orders\s+local fallback\s+300 = 600 ÷ 2 live replicas$/m);
    assert.match(downTable.stdout, /^orders:1\s+per-user\s+GET \/orders\s+local fallback\s+each key 15 = 30 ÷ 2 live replicas$/m);

    // Redis back: cluster mode again by itself.
    await redis.restart();
    await waitFor(
      'cluster mode again',
      async () => {
        const { guard } = await guardOf(client);
        return ['orders:0', 'orders:1'].every((i) => ruleOf(guard, i, 'orders-global')?.mode === 'cluster');
      },
      { timeoutMs: 30_000 },
    );
  },
);

test('GET /v1/status refuses a guard flag it does not understand', async (t) => {
  const { config } = await writeConfig(t, `programs:\n  idle:\n    command: [sleep, '1000']\n    ready: {afterMs: 0}\n`);
  const { client } = await startDaemon(t, config);
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath: config.supervisor.socket, path: '/v1/status?guard=maybe' }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => resolve({ status: r.statusCode!, body }));
    });
    req.once('error', reject);
    req.end();
  });
  assert.equal(res.status, 400);
  assert.match(res.body, /HOLDFAST_E_BAD_REQUEST.*guard=maybe: expected guard=1 or guard=0/);
  const plain = await client.status();
  assert.equal(plain.guard, undefined, 'without the flag the status carries no guard part');
  assert.deepEqual((await client.status(undefined, { guard: true })).guard, [], 'no program serves metrics: nothing to show');
});
