// The shop end to end: three real processes on free ports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@holdfast/testkit';
import { startShop } from './start-shop.ts';

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('an order goes gateway -> orders -> inventory, and the fault switch makes it degrade cleanly', async (t) => {
  const shop = await startShop(t);
  const placed = await post(`${shop.gateway}/api/orders`, { sku: 'kettle', qty: 2 });
  assert.equal(placed.status, 201);
  const order = (await placed.json()) as { id: string; sku: string };
  assert.equal(order.sku, 'kettle');
  assert.equal(((await (await fetch(`${shop.gateway}/api/orders/${order.id}`)).json()) as { id: string }).id, order.id);
  assert.equal(((await (await fetch(`${shop.gateway}/api/inventory/kettle`)).json()) as { available: number }).available, 3);

  // The request id travels from the gateway to inventory.
  const traced = await fetch(`${shop.gateway}/api/inventory/tea`, { headers: { 'x-request-id': 'trace-me-1' } });
  assert.equal(traced.headers.get('x-request-id'), 'trace-me-1');

  // Out of stock is the client's problem (409), not an outage.
  assert.equal((await post(`${shop.gateway}/api/orders`, { sku: 'kettle', qty: 50 })).status, 409);

  // Inventory down: orders answers 503 with Retry-After, never a 500 or a hang.
  assert.equal((await post(`${shop.inventory}/_chaos`, { down: true })).status, 200);
  const down = await post(`${shop.gateway}/api/orders`, { sku: 'tea', qty: 1 });
  assert.equal(down.status, 503);
  assert.equal(down.headers.get('retry-after'), '1');
  assert.equal(((await down.json()) as { code: string }).code, 'SHOP_E_INVENTORY_UNAVAILABLE');
  // The probes stay reachable while the fault is on, so the switch can be turned back.
  assert.equal((await fetch(`${shop.inventory}/readyz`)).status, 200);

  // Latency: the fault switch slows inventory.
  await post(`${shop.inventory}/_chaos`, { down: false, latencyMs: 300 });
  const t0 = performance.now();
  assert.equal((await fetch(`${shop.gateway}/api/inventory/tea`)).status, 200);
  assert.ok(performance.now() - t0 >= 280);

  // Error rate 1: every call fails with an injected 500; orders maps it to 503.
  await post(`${shop.inventory}/_chaos`, { latencyMs: 0, errorRate: 1 });
  assert.equal((await post(`${shop.gateway}/api/orders`, { sku: 'tea', qty: 1 })).status, 503);
  await post(`${shop.inventory}/_chaos`, { errorRate: 0 });
  assert.equal((await post(`${shop.gateway}/api/orders`, { sku: 'tea', qty: 1 })).status, 201);
});

test('the fault switch and the order API reject bad bodies with 400 and change nothing', async (t) => {
  const shop = await startShop(t);
  for (const body of [{ bogus: 1 }, { errorRate: 2 }, { latencyMs: -5 }, { down: 'yes' }]) {
    const r = await post(`${shop.inventory}/_chaos`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
  }
  assert.deepEqual(await (await fetch(`${shop.inventory}/_chaos`)).json(), { latencyMs: 0, errorRate: 0, down: false });
  for (const body of [{}, { sku: 'tea' }, { sku: 'tea', qty: 0 }, { sku: 'TEA!', qty: 1 }, { sku: 'tea', qty: 1, extra: true }]) {
    const r = await post(`${shop.gateway}/api/orders`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
  }
  await waitFor(
    'no order was placed',
    async () => ((await (await fetch(`${shop.gateway}/api/orders`)).json()) as { orders: unknown[] }).orders.length === 0,
  );
});

test('the fault switch is off unless SHOP_CHAOS=1, and says so', async (t) => {
  const shop = await startShop(t, { SHOP_CHAOS: '' });
  for (const r of [await fetch(`${shop.inventory}/_chaos`), await post(`${shop.inventory}/_chaos`, { down: true })]) {
    assert.equal(r.status, 403);
    assert.match(((await r.json()) as { error: string }).error, /fault switch is off: start this service with SHOP_CHAOS=1/);
  }
  assert.equal((await fetch(`${shop.inventory}/inventory/tea`)).status, 200, 'nothing changed');
  assert.ok(shop.children.inventory.lines.some((l) => l.includes('fault switch /_chaos is off')));
});
