// Root cause on the shop, end to end: the three services under the supervisor daemon, which
// scrapes their metrics every second into its own store; customers keep calling through the
// gateway; inventory's fault switch goes to 50 % errors; `holdfast explain` must name
// inventory first, with orders and the gateway as affected, within 30 s. The open incident
// carries the same probable cause.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ExplainClient } from '@holdfast/supervisor';
import { cleanup, startChild, tempDir, waitFor } from '@holdfast/testkit';
import { freeBase } from './start-shop.ts';

const run = promisify(execFile);
const shop = fileURLToPath(new URL('..', import.meta.url));
const repo = join(shop, '..', '..');
const cli = join(repo, 'packages', 'cli', 'bin', 'holdfast.ts');

interface Explained {
  ranking: {
    candidates: { program: string; role: string; why: string; path?: string[] }[];
    services: { program: string; status: string; current?: { requests: number; errors: number } }[];
  };
  text: string;
}

/** Customers: stock reads (through orders' cache), orders (reserved in inventory) and stock pages (straight to inventory). */
function customers(gateway: string, workers: number) {
  let stop = false;
  const statuses = new Map<number, number>();
  const one = async (url: string, init?: RequestInit) => {
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    } catch {
      statuses.set(0, (statuses.get(0) ?? 0) + 1);
    }
  };
  const skus = ['tea', 'coffee', 'mug', 'kettle'];
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const sku = skus[(i + w) % skus.length]!;
      await one(`${gateway}/api/stock/${sku}`);
      await one(`${gateway}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku, qty: 1 }),
      });
      await one(`${gateway}/api/inventory/${sku}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  });
  return {
    statuses,
    async end() {
      stop = true;
      await Promise.all(loops);
    },
  };
}

test('explain names inventory first, orders and the gateway affected, within 30 s of its fault', async (t) => {
  const dir = tempDir(t);
  const base = await freeBase();
  const port = { gateway: base, orders: base + 1, inventory: base + 2 };
  const url = (p: number) => `http://127.0.0.1:${p}`;
  const program = (name: keyof typeof port, env: Record<string, string>, dependsOn: string[] = []) => ({
    command: ['node', `src/${name}.ts`],
    cwd: shop,
    listen: [{ port: port[name], host: '127.0.0.1' }],
    ready: { notify: true, timeoutMs: '30s' },
    env: { HOST: '127.0.0.1', ...env },
    dependsOn,
    stopTimeoutMs: '10s',
  });
  const config = join(dir, 'holdfast.json');
  writeFileSync(
    config,
    JSON.stringify({
      supervisor: { socket: join(dir, 'holdfast.sock'), stateDir: join(dir, 'state'), logLevel: 'warn' },
      programs: {
        inventory: program('inventory', { SHOP_CHAOS: '1' }),
        orders: program('orders', { INVENTORY_URL: url(port.inventory) }, ['inventory']),
        gateway: program('gateway', { ORDERS_URL: url(port.orders), INVENTORY_URL: url(port.inventory) }, ['orders', 'inventory']),
      },
      incidents: { knowledge: join(shop, 'knowledge.yaml'), quietPeriod: '2m' },
      scrape: { interval: '1s', retention: '10m' },
    }),
  );
  const env = { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  const daemon = startChild(t, process.execPath, [cli, 'supervise', '-c', config], { cwd: repo, env });
  cleanup(t, () =>
    run(process.execPath, [cli, 'shutdown', '-c', config])
      .then(() => daemon.exited)
      .catch(() => {}),
  );
  const holdfast = async (...args: string[]) => {
    // Exit code 3 says a probable cause was found (or an incident is open): the answer is on stdout either way.
    const r = await run(process.execPath, [cli, ...args, '-c', config], { env }).catch(
      (err: { code?: number; stdout?: string; stderr?: string }) =>
        err.code === 3 ? { stdout: err.stdout ?? '' } : Promise.reject(new Error(`holdfast ${args.join(' ')}: ${err.stderr ?? ''}`)),
    );
    return r.stdout;
  };
  await waitFor(
    'every program READY',
    async () => {
      const s = JSON.parse(await holdfast('status', '--json').catch(() => '{"programs":[]}')) as { programs: { state: string }[] };
      return s.programs.length === 3 && s.programs.every((p) => p.state === 'READY');
    },
    { timeoutMs: 60_000 },
  );

  const load = customers(url(port.gateway), 4);
  t.after(() => load.end());
  // Polled through the control API's client: the CLI's own start-up (a second or so here) is not the daemon's delay.
  const api = new ExplainClient({ socket: join(dir, 'holdfast.sock') });
  const explain = async () => (await api.explain('10m')) as unknown as Explained;
  // A healthy shop under load: every service read, with traffic, and no cause.
  const healthy = await waitFor(
    'figures of all three under load',
    async () => {
      const e = await explain();
      return e.ranking.services.filter((s) => (s.current?.requests ?? 0) > 50).length === 3 ? e : undefined;
    },
    { timeoutMs: 30_000 },
  );
  assert.deepEqual(healthy.ranking.candidates, [], healthy.text);
  await new Promise((r) => setTimeout(r, 3000));

  const chaos = await fetch(`${url(port.inventory)}/_chaos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ errorRate: 0.5 }),
  });
  assert.equal(chaos.status, 200, await chaos.text());
  const t0 = Date.now();
  let last: Explained | undefined;
  const timeline: string[] = [];
  const named = await waitFor(
    'inventory named first, orders and the gateway affected',
    async () => {
      last = await explain();
      const line =
        `${((Date.now() - t0) / 1000).toFixed(1)} ` +
        `s: ${last.ranking.candidates.map((c) => `${c.program} ${c.role}`).join(', ') || 'nothing'}`;
      if (timeline.at(-1)?.replace(/^[\d.]+ s: /, '') !== line.replace(/^[\d.]+ s: /, '')) timeline.push(line);
      const c = last.ranking.candidates;
      return c[0]?.program === 'inventory' &&
        c[0].role === 'cause' &&
        ['orders', 'gateway'].every((p) => c.some((x) => x.program === p && x.role === 'affected'))
        ? last
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${timeline.join('\n')}\n${last?.text ?? ''}\ncustomers saw ${JSON.stringify([...load.statuses])}`);
  });
  const tookMs = Date.now() - t0;
  t.diagnostic(`time to explain: ${(tookMs / 1000).toFixed(1)} s after the fault switch (${timeline.join('; ')})\n${named.text}`);
  assert.ok(tookMs <= 30_000);
  assert.equal(named.ranking.candidates.filter((c) => c.role === 'cause').length, 1, named.text);

  const text = await holdfast('explain', '--since', '2m');
  assert.match(text, /^probable cause: inventory \(\d+(\.\d+)? % errors/);
  assert.match(text, /affected: (orders, gateway|gateway, orders)/);
  assert.match(text, /inventory\s+cause\s+[\d,]+/);
  assert.match(text, /calls: .*orders → inventory \(env INVENTORY_URL, dependency 'inventory'\)/);

  // The incident the errors opened carries the same probable cause.
  interface IncidentJson {
    id: number;
    program?: string;
    probableCause?: { causes: { program: string; role: string }[]; text: string };
  }
  const incident = await waitFor(
    'an incident with inventory as its probable cause',
    async () => {
      const list = JSON.parse(await holdfast('incidents', '--json')) as IncidentJson[];
      return list.find((i) => i.probableCause?.causes[0]?.program === 'inventory');
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  assert.match(incident.probableCause!.text, /^probable cause: inventory/);
  assert.match(await holdfast('incidents', 'show', String(incident.id)), /cause\? {5}\(ranked .*\)\n {4}1\. inventory \(cause\): /);
  await load.end();
});
