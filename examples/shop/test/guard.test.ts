// The shop's routes are protected by rules from a file, hot-reloaded; a bad edit changes nothing.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { tempDir, waitFor } from '@holdfast/testkit';
import { startShop } from './start-shop.ts';

const limited = (threshold: number) => `flow:\n  - id: inventory-list\n    resource: GET /api/inventory\n    threshold: ${threshold}\n`;

async function burst(url: string, n: number) {
  return Promise.all(
    Array.from({ length: n }, () => fetch(url).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() }))),
  );
}

test('gateway routes are limited by the rules file, hot-reloaded, and a bad edit keeps the old rules', async (t) => {
  const dir = tempDir(t);
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, limited(5));
  const shop = await startShop(t, { SHOP_GUARD_RULES: rules });

  const first = await burst(`${shop.gateway}/api/inventory`, 30);
  const blocked = first.filter((r) => r.status === 429);
  assert.ok(first.filter((r) => r.status === 200).length <= 6, 'at most the limit (plus a window edge) passes');
  assert.ok(blocked.length >= 20, `most of the burst is refused (${blocked.length}/30)`);
  const b = blocked[0]!;
  assert.ok(Number(b.headers.get('retry-after')) >= 1, 'Retry-After on a 429');
  assert.ok(b.headers.get('ratelimit-policy') ?? b.headers.get('ratelimit'), 'IETF RateLimit fields on a 429');
  assert.match(b.body, /HOLDFAST_E_BLOCKED_FLOW|flow/);
  // Probes are never limited.
  assert.deepEqual(
    (await burst(`${shop.gateway}/readyz`, 30)).map((r) => r.status).filter((s) => s !== 200),
    [],
  );
  // Other routes are not limited by this rule.
  assert.equal((await fetch(`${shop.gateway}/api/inventory/tea`)).status, 200);

  // Raise the limit: the file is watched and the new rules apply without a restart.
  writeFileSync(rules, limited(10_000));
  await waitFor(
    'the raised limit applies',
    async () => {
      await delay(1100); // a fresh one-second window
      return (await burst(`${shop.gateway}/api/inventory`, 30)).every((r) => r.status === 200);
    },
    { timeoutMs: 20_000 },
  );

  // A bad edit is rejected whole and the running rules stay.
  writeFileSync(rules, 'flow:\n  - id: inventory-list\n    resource: GET /api/inventory\n    threshold: -3\n');
  await delay(1500);
  assert.ok(
    (await burst(`${shop.gateway}/api/inventory`, 30)).every((r) => r.status === 200),
    'the previous (raised) limit still applies',
  );
});
