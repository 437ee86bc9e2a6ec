// Starts the shop's three services as real processes on free ports, for end-to-end tests; and
// a free port base for `npm start` (start.ts) under SHOP_PORT_BASE.
// `tracing: true` preloads OpenTelemetry in each (`--import @holdfast/service/tracing`).
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { freePort, startChild, type Child } from '@holdfast/testkit';

const src = (f: string) => fileURLToPath(new URL(`../src/${f}`, import.meta.url));
export const TRACING_PRELOAD = import.meta.resolve('@holdfast/service/tracing');

export interface Shop {
  gateway: string;
  orders: string;
  inventory: string;
  children: Record<'gateway' | 'orders' | 'inventory', Child>;
}

export async function startShop(t: TestContext, extraEnv: Record<string, string> = {}, options: { tracing?: boolean } = {}): Promise<Shop> {
  const [gateway, orders, inventory] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    GATEWAY_PORT: String(gateway),
    ORDERS_PORT: String(orders),
    INVENTORY_PORT: String(inventory),
    ORDERS_URL: `http://127.0.0.1:${orders}`,
    INVENTORY_URL: `http://127.0.0.1:${inventory}`,
    // The fault switch the tests drive (off unless set).
    SHOP_CHAOS: '1',
    ...extraEnv,
  };
  const children = {} as Shop['children'];
  for (const name of ['inventory', 'orders', 'gateway'] as const) {
    const args = options.tracing ? ['--import', TRACING_PRELOAD, src(`${name}.ts`)] : [src(`${name}.ts`)];
    const child = startChild(t, process.execPath, args, { env: { ...env, OTEL_SERVICE_NAME: name } });
    await child.waitForLine('"state":"READY"', 20_000);
    children[name] = child;
  }
  return {
    gateway: `http://127.0.0.1:${gateway}`,
    orders: `http://127.0.0.1:${orders}`,
    inventory: `http://127.0.0.1:${inventory}`,
    children,
  };
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/**
 * A base port for `SHOP_PORT_BASE`: base, base+1 and base+2 free (gateway, orders, inventory), base+9
 * (the incident receiver) and base+10 (the dashboard).
 */
export async function freeBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if (
      (await portFree(base)) &&
      (await portFree(base + 1)) &&
      (await portFree(base + 2)) &&
      (await portFree(base + 9)) &&
      (await portFree(base + 10))
    )
      return base;
  }
}
