// The incident loop in the demo: `npm start` configures knowledge.yaml and a webhook receiver
// that prints to the terminal; turning on inventory's fault switch while customers keep calling
// gives ONE classified incident (inventory's 500s, the 503s of orders and the gateway, and the
// breaker orders opens around inventory, grouped by the knowledge base), printed once, not a flood.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cleanup, startChild, waitFor } from '@holdfast/testkit';
import { freeBase } from './start-shop.ts';

const run = promisify(execFile);
const shop = fileURLToPath(new URL('..', import.meta.url));
const repo = join(shop, '..', '..');
const cli = join(repo, 'packages', 'cli', 'bin', 'holdfast.ts');

interface IncidentJson {
  id: number;
  state: string;
  rule: string;
  category: string;
  severity: string;
  owner: string;
  count: number;
  program: string;
}

test('npm start: the inventory fault switch gives one classified incident, printed once', async (t) => {
  const base = await freeBase();
  const config = join(shop, '.tmp', `holdfast.${base}.no-tracing.yaml`);
  const child = startChild(t, process.execPath, [join(shop, 'start.ts')], {
    cwd: repo,
    env: { ...process.env, SHOP_PORT_BASE: String(base), SHOP_TRACING: '0' },
  });
  cleanup(t, async () => {
    await run(process.execPath, [cli, 'shutdown', '-c', config]).catch(() => {});
    for (const f of [config, join(shop, '.tmp', `holdfast-state-${base}`), join(shop, '.tmp', `holdfast-shop-${base}.sock`)])
      rmSync(f, { recursive: true, force: true });
  });
  await child.waitForLine('demo shop is up', 90_000);
  // Exit code 3 says some are open: the list is on stdout either way.
  const incidents = async (): Promise<IncidentJson[]> => {
    const r = await run(process.execPath, [cli, 'incidents', '--json', '-c', config]).catch((err: { code?: number; stdout?: string }) =>
      err.code === 3 ? { stdout: err.stdout ?? '' } : Promise.reject(err as Error),
    );
    return JSON.parse(r.stdout) as IncidentJson[];
  };
  assert.deepEqual(await incidents(), [], 'a healthy shop has none');

  const gateway = `http://127.0.0.1:${base}`;
  const inventory = `http://127.0.0.1:${base + 2}`;
  const chaos = await fetch(`${inventory}/_chaos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ errorRate: 1 }),
  });
  assert.equal(chaos.status, 200, await chaos.text());
  // Customers keep coming: stock reads (served stale by orders) and orders (refused with 503).
  const codes: number[] = [];
  for (let i = 0; i < 40; i++) {
    for (const r of [
      await fetch(`${gateway}/api/stock/tea`),
      await fetch(`${gateway}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'tea', qty: 1 }),
      }),
    ]) {
      await r.arrayBuffer();
      codes.push(r.status);
    }
  }
  assert.ok(codes.includes(503), `orders are refused while inventory fails: ${[...new Set(codes)].join(', ')}`);
  let last: IncidentJson[] = [];
  const [one] = await waitFor('the incident, with the signals counted', async () => {
    last = await incidents();
    return last.length === 1 && last[0]!.count >= 40 ? last : undefined;
  }).catch((err: Error) => {
    throw new Error(`${err.message}; incidents: ${JSON.stringify(last)}\n${child.stdout().slice(-3000)}`);
  });
  await new Promise((r) => setTimeout(r, 1500));
  const live = await incidents();
  assert.equal(live.length, 1, `one incident, not a flood: ${JSON.stringify(live.map((i) => [i.program, i.rule, i.count]))}`);
  assert.equal(one!.rule, 'kb:inventory-failing');
  assert.equal(one!.category, 'upstream-failure');
  assert.equal(one!.owner, 'team-inventory');
  assert.equal(one!.program, 'inventory');
  assert.ok(live[0]!.count >= 80, `inventory's 500s and the 503s downstream, counted into it: ${live[0]!.count}`);

  // The terminal shows it once, with its runbook, and none of the error lines behind it.
  await child.waitForLine(/🚨 incident \d+ \[error\] upstream-failure: inventory: request GET \/inventory\/tea → 500/, 10_000);
  const out = child.stdout();
  assert.equal(out.match(/🚨 incident/g)?.length, 1, out.slice(out.indexOf('demo shop is up')));
  assert.match(out, /runbook: is the fault switch on\?/);
  assert.doesNotMatch(out, /"level":50/, 'error lines are not echoed one by one');

  // Switched off and resolved (learning would write the repository's knowledge.yaml: not here).
  await fetch(`${inventory}/_chaos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ errorRate: 0 }),
  });
  await run(process.execPath, [cli, 'incidents', 'resolve', String(one!.id), '--cause', 'the fault switch was on', '-c', config]);
  await child.waitForLine(/✓ incident \d+ resolved/, 15_000);
  child.kill('SIGINT');
  assert.equal((await child.exited).code, 0, child.stderr());
});
