// The shop degrades instead of failing: with inventory down, orders keeps answering stock from
// its cache marked stale-if-error; with Redis down as well, from its in-process cache, and the
// order service turns DEGRADED while staying ready.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@holdfast/testkit';
import { startRedis } from './redis.ts';
import { startShop } from './start-shop.ts';

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const stock = async (url: string) => {
  const r = await fetch(url);
  return {
    status: r.status,
    cache: r.headers.get('x-holdfast-cache'),
    age: r.headers.get('age'),
    body: (await r.json()) as { sku: string; available: number | null; unknown?: boolean; code?: string },
  };
};

test('inventory down: stock answers stale-if-error from cache; Redis down too: still from memory; never cached: fallback', async (t) => {
  const redis = await startRedis(t);
  const shop = await startShop(t, { REDIS_URL: redis.url, SHOP_STOCK_FRESH_MS: '300' });
  const first = await stock(`${shop.gateway}/api/stock/tea`);
  assert.deepEqual([first.status, first.cache, first.body.available], [200, 'miss', 120]);
  // Within freshMs a read is a memory hit; on a slow machine 300 ms may already have passed.
  assert.ok(['fresh', 'miss'].includes((await stock(`${shop.gateway}/api/stock/tea`)).cache!));
  assert.equal((await stock(`${shop.gateway}/api/stock/nope`)).status, 404, 'an unknown SKU is an answer, not a failure');

  // An order reserves stock and invalidates the cached value.
  assert.equal((await post(`${shop.gateway}/api/orders`, { sku: 'tea', qty: 2 })).status, 201);
  const after = await stock(`${shop.gateway}/api/stock/tea`);
  assert.deepEqual([after.cache, after.body.available], ['miss', 118]);
  // Over-ordering is refused from the cached stock, before any write to inventory.
  const over = await post(`${shop.gateway}/api/orders`, { sku: 'tea', qty: 500 });
  assert.equal(over.status, 409);

  await post(`${shop.inventory}/_chaos`, { down: true });
  const stale = await waitFor('stale-if-error once the cached value is past freshMs', async () => {
    const r = await stock(`${shop.gateway}/api/stock/tea`);
    assert.equal(r.status, 200, 'stock keeps answering while inventory is down');
    return r.cache === 'stale-if-error' ? r : undefined;
  });
  assert.equal(stale.body.available, 118);
  assert.ok(stale.age !== null);
  const never = await stock(`${shop.gateway}/api/stock/kettle`);
  assert.deepEqual([never.status, never.cache, never.body.unknown], [200, 'fallback', true]);
  // Placing an order needs the write: a clean 503 with Retry-After, never a hang.
  const order = await post(`${shop.gateway}/api/orders`, { sku: 'tea', qty: 1 });
  assert.equal(order.status, 503);
  assert.equal(order.headers.get('retry-after'), '1');

  await redis.kill();
  await waitFor(
    'orders DEGRADED after Redis died',
    async () => {
      const r = await fetch(`${shop.orders}/readyz`);
      return r.status === 200 && ((await r.json()) as { state: string }).state === 'DEGRADED';
    },
    { timeoutMs: 15_000 },
  );
  for (let i = 0; i < 20; i++) {
    const r = await stock(`${shop.gateway}/api/stock/tea`);
    assert.deepEqual([r.status, r.cache, r.body.available], [200, 'stale-if-error', 118], `read ${i} with Redis and inventory down`);
  }
  const metrics = await (await fetch(`${shop.orders}/metrics`)).text();
  assert.match(metrics, /holdfast_dependency_requests_total\{[^}]*served="stale-if-error"[^}]*\} [1-9]/);
  assert.match(metrics, /holdfast_redis_up\{[^}]*\} 0/);

  // Inventory back: fresh data again, without restarting anything.
  await post(`${shop.inventory}/_chaos`, { down: false });
  await waitFor('fresh data after inventory recovered', async () => (await stock(`${shop.gateway}/api/stock/tea`)).cache === 'miss', {
    timeoutMs: 15_000,
  });
});
