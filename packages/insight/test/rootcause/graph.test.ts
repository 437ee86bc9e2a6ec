// The call graph from a supervisor config and the services' dependency metrics: the shop's
// own wiring, and the ways an edge is found or refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCallGraph, endpointsIn, type ProgramEndpoints } from '../../src/rootcause/graph.ts';

const shop: ProgramEndpoints[] = [
  { name: 'inventory', listen: [{ host: '127.0.0.1', port: 3002 }], env: { HOST: '127.0.0.1', SHOP_CHAOS: '1' } },
  { name: 'orders', listen: [{ host: '127.0.0.1', port: 3001 }], env: { INVENTORY_URL: 'http://127.0.0.1:3002' } },
  {
    name: 'gateway',
    listen: [{ host: '127.0.0.1', port: 3000 }],
    env: { ORDERS_URL: 'http://127.0.0.1:3001', INVENTORY_URL: 'http://127.0.0.1:3002' },
  },
];

test("the shop: env URLs give every call, and orders' dependency 'inventory' lands on the inventory program", () => {
  const g = buildCallGraph(shop, new Map([['orders', ['inventory']]]));
  assert.deepEqual(
    g.edges.map((e) => `${e.from}→${e.to} [${e.via.join(', ')}]`),
    [
      "orders→inventory [env INVENTORY_URL, dependency 'inventory']",
      'gateway→inventory [env INVENTORY_URL]',
      'gateway→orders [env ORDERS_URL]',
    ],
  );
  assert.deepEqual([...g.targets.get('orders')!], [['inventory', 'inventory']]);
  assert.deepEqual(g.unmapped, []);
});

test('a dependency named unlike any program is mapped through the env variable that names it', () => {
  const g = buildCallGraph(
    [
      { name: 'stock-svc', listen: [{ host: '0.0.0.0', port: 7000 }], env: {} },
      { name: 'orders', listen: [], env: { STOCK_API: 'http://localhost:7000/v1' } },
    ],
    new Map([['orders', ['stock', 'mailer']]]),
  );
  assert.deepEqual([...g.targets.get('orders')!], [['stock', 'stock-svc']]);
  assert.deepEqual(g.unmapped, [{ program: 'orders', dependency: 'mailer' }]);
  assert.deepEqual(g.edges[0]!.via, ['env STOCK_API', "dependency 'stock'"]);
});

test('declared dependencies win, and name only programs that exist', () => {
  const g = buildCallGraph(
    [
      { name: 'db', listen: [], env: {} },
      { name: 'api', listen: [], env: {}, dependencies: { pg: 'db', ghost: 'nowhere' } },
    ],
    new Map([['api', ['pg']]]),
  );
  assert.deepEqual(g.edges, [{ from: 'api', to: 'db', via: ["declared dependency 'pg'"] }]);
});

test('a URL reaches a socket only on a matching host, and a program never calls itself', () => {
  const programs: ProgramEndpoints[] = [
    { name: 'a', listen: [{ host: '10.0.0.5', port: 80 }], env: { SELF: 'http://127.0.0.1:81' } },
    {
      name: 'b',
      listen: [{ host: '127.0.0.1', port: 81 }],
      env: { A: 'http://127.0.0.1:80', A2: 'http://10.0.0.5', B: 'http://127.0.0.1:81' },
    },
    { name: 'c', listen: [{ host: '::', port: 6379 }], env: {} },
    { name: 'd', listen: [], env: { CACHE: 'redis://[::1]', PEERS: 'http://elsewhere:9, 127.0.0.1:81' } },
  ];
  const g = buildCallGraph(programs);
  assert.deepEqual(
    g.edges.map((e) => `${e.from}→${e.to} ${e.via.join(',')}`),
    ['a→b env SELF', 'b→a env A2', 'd→c env CACHE'],
    '127.0.0.1:80 does not reach a socket bound to 10.0.0.5; in PEERS only the URL is read (elsewhere:9, no program)',
  );
});

test('endpointsIn reads URLs, lists of URLs, default ports and bare host:port', () => {
  assert.deepEqual(endpointsIn('http://127.0.0.1:3001'), [{ host: '127.0.0.1', port: 3001 }]);
  assert.deepEqual(endpointsIn('https://api.local/x,http://[::1]:8080/y'), [
    { host: 'api.local', port: 443 },
    { host: '::1', port: 8080 },
  ]);
  assert.deepEqual(endpointsIn('postgres://u:p@localhost/db'), [{ host: 'localhost', port: 5432 }]);
  assert.deepEqual(endpointsIn('127.0.0.1:6379'), [{ host: '127.0.0.1', port: 6379 }]);
  assert.deepEqual(endpointsIn('unknown://x'), []);
  assert.deepEqual(endpointsIn('8080'), []);
});
