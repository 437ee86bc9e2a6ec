// The daemon's reader of its programs' guard metrics (src/guard-state/), shared by the dashboard
// and `holdfast status`: which rules the status shows and how, the last values kept with their
// age when an instance stops answering, and a status that answers within its wait while a read
// hangs. Real HTTP servers on loopback; the metrics text is what @holdfast/guard/prometheus
// writes (packages/cli/test/status-guard.test.ts runs the real guard under a real daemon).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { cleanup } from '@holdfast/testkit';
import { parseSamples } from '../src/guard-state/prom-text.ts';
import { ruleStatuses } from '../src/guard-state/rule-status.ts';
import type { GuardRow } from '../src/guard-state/targets.ts';
import { GuardWatch } from '../src/guard-state/watch.ts';

const METRICS = [
  '# HELP holdfast_guard_flow_threshold x',
  'holdfast_guard_flow_threshold{resource="GET /orders",rule="global",strategy="direct"} 300',
  'holdfast_guard_flow_threshold{resource="GET /db",rule="db",strategy="adaptive"} 37.5',
  'holdfast_guard_flow_threshold{resource="GET /x",rule="plain",strategy="direct"} 10',
  'holdfast_guard_rule_mode{resource="GET /orders",rule="global",mode="local"} 0',
  'holdfast_guard_rule_mode{resource="GET /orders",rule="global",mode="cluster"} 0',
  'holdfast_guard_rule_mode{resource="GET /orders",rule="global",mode="fallback"} 1',
  'holdfast_guard_rule_mode{resource="GET /db",rule="db",mode="local"} 1',
  'holdfast_guard_rule_mode{resource="GET /x",rule="plain",mode="local"} 1',
  'holdfast_guard_rule_mode{resource="GET /orders",rule="per-user",mode="fallback"} 1',
  'holdfast_guard_rule_threshold{resource="GET /orders",rule="global",kind="flow"} 600',
  'holdfast_guard_rule_threshold{resource="GET /db",rule="db",kind="flow"} 20',
  'holdfast_guard_rule_threshold{resource="GET /x",rule="plain",kind="flow"} 10',
  'holdfast_guard_rule_threshold{resource="GET /orders",rule="per-user",kind="hotspot"} 30',
  'holdfast_guard_flow_limit_bounds{resource="GET /db",rule="db",bound="min"} 4',
  'holdfast_guard_flow_limit_bounds{resource="GET /db",rule="db",bound="max"} 80',
  'holdfast_guard_cluster_live_replicas 2',
  '',
].join('\n');

test('the status shows cluster rules (mode, share, threshold) and adaptive ones (limit, bounds); plain local rules are left out', () => {
  const { liveReplicas, rules } = ruleStatuses(parseSamples(METRICS, 'holdfast_guard_'));
  assert.equal(liveReplicas, 2);
  assert.deepEqual(rules, [
    {
      rule: 'db',
      resource: 'GET /db',
      kind: 'flow',
      strategy: 'adaptive',
      mode: 'local',
      limit: 37.5,
      threshold: 20,
      minLimit: 4,
      maxLimit: 80,
    },
    {
      rule: 'global',
      resource: 'GET /orders',
      kind: 'flow',
      strategy: 'direct',
      mode: 'fallback',
      limit: 300,
      threshold: 600,
      minLimit: null,
      maxLimit: null,
    },
    {
      rule: 'per-user',
      resource: 'GET /orders',
      kind: 'hotspot',
      strategy: null,
      mode: 'fallback',
      limit: null,
      threshold: 30,
      minLimit: null,
      maxLimit: null,
    },
  ]);
  const localOnly = ruleStatuses(parseSamples(METRICS.replace(/.*per-user.*\n|.*rule="global".*\n/g, ''), 'holdfast_guard_'));
  assert.equal(localOnly.liveReplicas, null, 'no cluster rule: the live count means nothing here');
  assert.deepEqual(
    localOnly.rules.map((r) => r.rule),
    ['db'],
  );
});

async function serve(
  t: Parameters<typeof cleanup>[0],
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup(t, () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` };
}

const row = (id: string, program: string, metricsUrl: string | null, index = 0): GuardRow => ({
  id,
  program,
  index,
  pid: 4242,
  role: null,
  state: 'READY',
  metricsUrl,
});

test('an instance that stops answering keeps its last values, with their age and why they are not fresher', async (t) => {
  const { server, url } = await serve(t, (_req, res) => res.end(METRICS));
  let now = 1_000_000;
  const watch = new GuardWatch({ config: () => ({}), now: () => now });
  const rows = [row('orders', 'orders', url), row('plain', 'plain', null)];
  const first = await watch.status(rows, 5000);
  let orders = first[0];
  const rest = first.slice(1);
  assert.deepEqual(rest, [], 'a program that serves no metrics shows nothing');
  assert.equal(orders!.instances[0]!.error, null);
  assert.equal(orders!.instances[0]!.ageMs, 0);
  assert.equal(orders!.instances[0]!.rules.length, 3);

  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  now += 500;
  orders = (await watch.status(rows, 5000))[0];
  assert.equal(orders!.instances[0]!.error, null, 'read half a second ago: fresh enough, not read again');
  now += 1500;
  orders = (await watch.status(rows, 5000))[0];
  const i = orders!.instances[0]!;
  assert.match(
    i.error ?? '',
    /^metrics unreachable: http:\/\/127\.0\.0\.1:\d+\/metrics: (ECONNREFUSED|ECONNRESET)$/,
    'refused, or reset on the kept-alive socket',
  );
  assert.equal(i.ageMs, 2000);
  assert.equal(i.readAt, new Date(1_000_000).toISOString());
  assert.equal(i.rules.find((r) => r.rule === 'global')?.mode, 'fallback', 'the last values read');
});

test('a status answers within its wait while a read hangs, and the read goes on to its own timeout', async (t) => {
  const { url } = await serve(t, () => {
    // Never answers.
  });
  const { url: good } = await serve(t, (_req, res) => res.end(METRICS));
  let skew = 0; // moves the watch's clock past FRESH_MS without sleeping
  const watch = new GuardWatch({ config: () => ({ wedged: {} }), readTimeoutMs: 1500, now: () => Date.now() + skew });
  const rows = [row('wedged', 'wedged', url), row('orders', 'orders', good)];
  const t0 = performance.now();
  const first = await watch.status(rows, 50);
  const ms = performance.now() - t0;
  t.diagnostic(`answered in ${ms.toFixed(1)} ms`);
  assert.ok(ms < 1000, `answered long before the read's 1500 ms timeout: ${ms} ms`);
  assert.deepEqual(
    first.map((p) => p.program),
    ['orders', 'wedged'],
  );
  const wedged = first[1]!.instances[0]!;
  assert.match(wedged.error ?? '', /^metrics unreachable: no answer after \d+ ms \(still waiting; shown: the last answer\)$/);
  assert.equal(wedged.readAt, null);
  await watch.refresh(rows); // the round in flight, to its end
  const after = watch.report().find((p) => p.program === 'wedged')!.instances[0]!;
  assert.match(after.error ?? '', /^metrics unreachable: http:\/\/127\.0\.0\.1:\d+\/metrics: no answer within 1500 ms$/);
  // Known to hang now: the next status starts a read of it again but does not wait for that one
  // (it would say "no answer after 50 ms" had it waited), only for the instances that answer.
  skew += 1000; // past FRESH_MS: a new round
  const again = await watch.status(rows, 50);
  assert.match(again.find((p) => p.program === 'wedged')!.instances[0]!.error ?? '', /: no answer within 1500 ms$/);
  assert.equal(again.find((p) => p.program === 'orders')!.instances[0]!.ageMs! < 1000, true, 'the answering instance was read again');
});
