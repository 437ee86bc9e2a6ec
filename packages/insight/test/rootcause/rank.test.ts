// The root-cause ranking as a specification: the guide's own incident, then every shape of
// graph and figure the ranking must get right (chains, diamonds, cycles, silent services,
// services that are down, chronic errors, small numbers, two faults at once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankCauses } from '../../src/rootcause/rank.ts';
import { formatRanking, headline } from '../../src/rootcause/text.ts';
import type { EdgeInput, RankInput, RedFigures, ServiceInput } from '../../src/rootcause/types.ts';

const W = 600; // a 10-minute window
const fig = (requests: number, errorRatio: number, meanMs?: number, seconds = W): RedFigures => ({
  requests,
  errors: Math.round(requests * errorRatio),
  seconds,
  ...(meanMs !== undefined ? { meanSeconds: meanMs / 1000 } : {}),
});
const edge = (from: string, to: string, extra: Partial<EdgeInput> = {}): EdgeInput => ({ from, to, via: ['declared'], ...extra });
const input = (services: ServiceInput[], edges: EdgeInput[]): RankInput => ({ services, edges, from: 0, to: W * 1000 });
const order = (r: ReturnType<typeof rankCauses>) => r.candidates.map((c) => `${c.program}:${c.role}`);

test("the guide's incident: inventory at 12.5 % errors is the cause, orders and the gateway are affected", () => {
  const r = rankCauses(
    input(
      [
        { name: 'gateway', current: fig(120_000, 0.002, 45) },
        { name: 'orders', current: fig(118_500, 0.018, 320) },
        {
          name: 'inventory',
          current: fig(118_200, 0.125, 280),
          logs: [{ id: 't1', text: 'cannot get a connection: the pool of <n> connections is exhausted', count: 14_700, kind: 'burst' }],
        },
      ],
      [edge('gateway', 'orders'), edge('orders', 'inventory')],
    ),
  );
  assert.deepEqual(order(r), ['inventory:cause', 'orders:affected', 'gateway:affected']);
  const [cause, orders, gateway] = r.candidates;
  assert.deepEqual(cause!.explains, ['gateway', 'orders']);
  assert.match(
    cause!.why,
    /^12\.5 % errors \(14,775 of 118,200\); it calls no other program; its logs meanwhile: "cannot get a connection: the pool of <n> connections is exhausted" ×14700 \(burst\)$/,
  );
  assert.equal(cause!.score, 0.125);
  assert.deepEqual(orders!.path, ['orders', 'inventory']);
  assert.match(orders!.why, /^1\.8 % errors \(2,133 of 118,500\); it calls inventory, the probable cause$/);
  assert.deepEqual(gateway!.path, ['gateway', 'orders', 'inventory']);
  assert.equal(gateway!.findings[0]!.level, 'elevated', '0.2 % is below the abnormal ratio: affected, never a cause');
  assert.match(gateway!.why, /0\.2 % errors \(240 of 120,000\); it calls orders → inventory, the probable cause/);
  assert.match(headline(r), /^probable cause: inventory \(12\.5 % errors.*\); affected: orders, gateway$/);
  const text = formatRanking(r);
  assert.match(text, /inventory\s+cause\s+118,200\s+197\s+12\.5 %\s+280 ms/);
  assert.match(text, /orders\s+affected\s+118,500\s+198\s+1\.8 %\s+320 ms/);
  assert.match(text, /gateway\s+affected\s+120,000\s+200\s+0\.2 %\s+45(\.0)? ms/);
  assert.match(text, /inventory: burst ×14700 {2}cannot get a connection/);
});

test('nothing abnormal: no candidate, every service healthy', () => {
  const r = rankCauses(
    input(
      [
        { name: 'a', current: fig(1000, 0.0005, 20) },
        { name: 'b', current: fig(1000, 0, 10) },
      ],
      [edge('a', 'b')],
    ),
  );
  assert.deepEqual(r.candidates, []);
  assert.deepEqual(r.healthy, ['a', 'b']);
  assert.equal(headline(r), 'no probable cause: every service looks normal');
});

test('a caller failing while what it calls is healthy is the cause itself', () => {
  const r = rankCauses(
    input(
      [
        { name: 'orders', current: fig(1000, 0.2) },
        { name: 'inventory', current: fig(1000, 0) },
      ],
      [edge('orders', 'inventory')],
    ),
  );
  assert.deepEqual(order(r), ['orders:cause']);
  assert.match(r.candidates[0]!.why, /what it calls \(inventory\) is healthy$/);
});

test('a long chain: the deepest abnormal service is the cause, the others are affected nearest first', () => {
  const r = rankCauses(
    input(
      ['a', 'b', 'c', 'd'].map((n) => ({ name: n, current: fig(1000, 0.1) })),
      [edge('a', 'b'), edge('b', 'c'), edge('c', 'd')],
    ),
  );
  assert.deepEqual(order(r), ['d:cause', 'c:affected', 'b:affected', 'a:affected']);
  assert.deepEqual(r.candidates[3]!.path, ['a', 'b', 'c', 'd']);
});

test('a diamond: the shortest path to the cause is reported', () => {
  const r = rankCauses(
    input(
      [
        { name: 'gateway', current: fig(1000, 0.05) },
        { name: 'orders', current: fig(1000, 0.05) },
        { name: 'inventory', current: fig(1000, 0.5) },
      ],
      [edge('gateway', 'orders'), edge('gateway', 'inventory'), edge('orders', 'inventory')],
    ),
  );
  assert.deepEqual(order(r), ['inventory:cause', 'gateway:affected', 'orders:affected']);
  assert.deepEqual(r.candidates.find((c) => c.program === 'gateway')!.path, ['gateway', 'inventory']);
});

test('latency alone: a service slower than its baseline is the cause of its slow callers', () => {
  const r = rankCauses(
    input(
      [
        { name: 'orders', current: fig(1000, 0, 320), baseline: fig(1000, 0, 60) },
        { name: 'inventory', current: fig(1000, 0, 280), baseline: fig(1000, 0, 20) },
      ],
      [edge('orders', 'inventory')],
    ),
  );
  assert.deepEqual(order(r), ['inventory:cause', 'orders:affected']);
  assert.equal(r.candidates[0]!.findings[0]!.text, '280 ms mean (20 ms before)');
  assert.equal(r.candidates[0]!.score, 0.929);
});

test('latency without a baseline counts only when plainly slow (slowSeconds)', () => {
  const slowish = rankCauses(input([{ name: 'a', current: fig(100, 0, 400) }], []));
  assert.deepEqual(slowish.candidates, []);
  const slow = rankCauses(input([{ name: 'a', current: fig(100, 0, 1500) }], []));
  assert.deepEqual(order(slow), ['a:cause']);
  assert.equal(
    rankCauses(input([{ name: 'a', current: fig(100, 0, 400) }], []), { slowSeconds: 0.3 }).candidates.length,
    1,
    'thresholds can be set',
  );
});

test('a small rise in latency is not abnormal (factor and least increase both needed)', () => {
  const r = rankCauses(input([{ name: 'a', current: fig(1000, 0, 5), baseline: fig(1000, 0, 2) }], []));
  assert.deepEqual(r.candidates, [], '2 ms → 5 ms is 2.5× but only 3 ms more');
});

test('a service that is down, with no figures of its own, is the cause; its callers see their calls fail', () => {
  const r = rankCauses(
    input(
      [
        { name: 'orders', current: fig(500, 0.4) },
        { name: 'redis', down: 'exited 1 (code 1), restarting in 4 s' },
      ],
      [edge('orders', 'redis', { via: ["dependency 'redis'"], current: fig(500, 1) })],
    ),
  );
  assert.deepEqual(order(r), ['redis:cause', 'orders:affected']);
  const cause = r.candidates[0]!;
  assert.equal(cause.score, 1);
  assert.deepEqual(
    cause.findings.map((f) => f.signal),
    ['down', 'calls'],
  );
  assert.match(
    cause.why,
    /^exited 1 \(code 1\), restarting in 4 s; orders sees 100 % of the calls fail \(500 of 500\); it calls no other program$/,
  );
});

test("a caller hiding its callee's failures behind a cache or a fallback is affected through its failing calls", () => {
  const r = rankCauses(
    input(
      [
        { name: 'gateway', current: fig(2000, 0.25) },
        { name: 'orders', current: fig(1000, 0, 4) },
        { name: 'inventory', current: fig(1500, 0.5) },
      ],
      [
        edge('gateway', 'orders'),
        edge('gateway', 'inventory'),
        edge('orders', 'inventory', { via: ["dependency 'inventory'"], current: fig(200, 0.45, 30) }),
      ],
    ),
  );
  assert.deepEqual(order(r), ['inventory:cause', 'gateway:affected', 'orders:affected']);
  const orders = r.candidates.find((c) => c.program === 'orders')!;
  assert.equal(orders.score, 0, 'its own answers are fine');
  assert.match(orders.why, /^45 % of its calls to inventory fail \(90 of 200\); it calls inventory, the probable cause$/);
  assert.match(
    r.candidates[0]!.why,
    /^50 % errors \(750 of 1,500\); orders sees 45 % of the calls fail \(90 of 200\); it calls no other program$/,
  );
  assert.deepEqual(r.candidates[0]!.explains, ['gateway', 'orders']);
});

test('failing calls alone never make the caller a cause: the callee is blamed', () => {
  const r = rankCauses(
    input(
      [
        { name: 'orders', current: fig(1000, 0) },
        { name: 'inventory', current: fig(1000, 0) },
      ],
      [edge('orders', 'inventory', { current: fig(300, 0.3) })],
    ),
  );
  assert.deepEqual(
    order(r),
    ['inventory:cause', 'orders:affected'],
    "inventory answers its other callers, yet orders' calls fail: the calls are the evidence",
  );
});

test("a silent callee is blamed through its callers' failing calls", () => {
  const r = rankCauses(input([{ name: 'orders', current: fig(1000, 0.3) }], [edge('orders', 'payments', { current: fig(400, 0.75) })]));
  assert.deepEqual(order(r), ['payments:cause', 'orders:affected']);
  assert.equal(r.candidates[0]!.findings[0]!.signal, 'calls');
});

test('a callee nobody reports on is unknown and does not explain its caller', () => {
  const r = rankCauses(input([{ name: 'orders', current: fig(1000, 0.3) }], [edge('orders', 'legacy')]));
  assert.deepEqual(order(r), ['orders:cause']);
  assert.deepEqual(r.unknown, ['legacy']);
  assert.match(r.candidates[0]!.why, /legacy reports nothing$/);
});

test('chronic errors are not a new fault: the baseline was as bad', () => {
  const r = rankCauses(input([{ name: 'a', current: fig(10_000, 0.05), baseline: fig(10_000, 0.05) }], []));
  assert.deepEqual(r.candidates, []);
  const worse = rankCauses(input([{ name: 'a', current: fig(10_000, 0.12), baseline: fig(10_000, 0.05) }], []));
  assert.equal(worse.candidates[0]!.findings[0]!.text, '12 % errors (1,200 of 10,000), 5 % before');
  assert.equal(worse.candidates[0]!.score, 0.07);
});

test('a baseline with too few requests is ignored', () => {
  const r = rankCauses(input([{ name: 'a', current: fig(1000, 0.05), baseline: { requests: 4, errors: 1, seconds: W } }], []));
  assert.deepEqual(order(r), ['a:cause'], 'one error in four requests says nothing');
});

test('fewer than minErrors failures never make a service abnormal', () => {
  assert.deepEqual(rankCauses(input([{ name: 'a', current: { requests: 10, errors: 4, seconds: 60 } }], [])).candidates, []);
  assert.equal(rankCauses(input([{ name: 'a', current: { requests: 10, errors: 5, seconds: 60 } }], [])).candidates.length, 1);
});

test('two independent faults: the one explaining more services ranks first, then the worse', () => {
  const r = rankCauses(
    input(
      [
        { name: 'web', current: fig(1000, 0.05) },
        { name: 'db', current: fig(1000, 0.1) },
        { name: 'mailer', current: fig(1000, 0.9) },
        { name: 'search', current: fig(1000, 0.8) },
      ],
      [edge('web', 'db')],
    ),
  );
  assert.deepEqual(order(r), ['db:cause', 'mailer:cause', 'search:cause', 'web:affected']);
  assert.match(headline(r), /also abnormal on its own: mailer, search/);
});

test('a cycle of services failing together is one cause, each member named with its peers', () => {
  const r = rankCauses(
    input(
      [
        { name: 'gateway', current: fig(1000, 0.1) },
        { name: 'a', current: fig(1000, 0.3) },
        { name: 'b', current: fig(1000, 0.2) },
        { name: 'c', current: fig(1000, 0) },
      ],
      [edge('gateway', 'a'), edge('a', 'b'), edge('b', 'a'), edge('a', 'c')],
    ),
  );
  assert.deepEqual(order(r), ['a:cause', 'b:cause', 'gateway:affected']);
  assert.match(r.candidates[0]!.why, /what it calls \(c\) is healthy; fails together with b, which it calls and which call it/);
  assert.deepEqual(r.candidates[2]!.causes, ['a', 'b']);
});

test('an abnormal service whose callee is only slightly off is the cause itself', () => {
  const r = rankCauses(
    input(
      [
        { name: 'orders', current: fig(10_000, 0.2) },
        { name: 'inventory', current: fig(10_000, 0.003) },
      ],
      [edge('orders', 'inventory')],
    ),
  );
  assert.deepEqual(order(r), ['orders:cause']);
  assert.deepEqual(
    r.elevated.map((e) => e.program),
    ['inventory'],
    'slightly off and explained by nothing: listed apart',
  );
});

test('slightly-off callers chain through each other to the cause', () => {
  const r = rankCauses(
    input(
      [
        { name: 'edge', current: fig(100_000, 0.002) },
        { name: 'gateway', current: fig(100_000, 0.002) },
        { name: 'db', current: fig(1000, 0.5) },
      ],
      [edge('edge', 'gateway'), edge('gateway', 'db')],
    ),
  );
  assert.deepEqual(order(r), ['db:cause', 'gateway:affected', 'edge:affected']);
});

test('edges known several ways are merged, their figures summed', () => {
  const r = rankCauses(
    input(
      [{ name: 'orders', current: fig(1000, 0) }],
      [
        edge('orders', 'inventory', { via: ["dependency 'stock'"], current: { requests: 100, errors: 30, seconds: W, meanSeconds: 0.1 } }),
        edge('orders', 'inventory', { via: ['env INVENTORY_URL'] }),
        edge('orders', 'inventory', {
          via: ["dependency 'reserve'"],
          current: { requests: 300, errors: 10, seconds: W, meanSeconds: 0.3 },
        }),
        edge('orders', 'orders'),
      ],
    ),
  );
  assert.deepEqual(r.edges, [
    { from: 'orders', to: 'inventory', via: ["dependency 'stock'", 'env INVENTORY_URL', "dependency 'reserve'"] },
  ]);
  const calls = r.candidates[0]!.findings[0]!;
  assert.equal(calls.text, 'orders sees 10 % of the calls fail (40 of 400)');
});

test('an empty input ranks nothing', () => {
  const r = rankCauses(input([], []));
  assert.deepEqual(r, { from: 0, to: W * 1000, candidates: [], services: [], healthy: [], elevated: [], unknown: [], edges: [] });
});
