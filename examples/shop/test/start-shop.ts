// Starts the shop's three services as real processes on free ports, for end-to-end tests.
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { freePort, startChild } from '@holdfast/testkit';

const src = (f: string) => fileURLToPath(new URL(`../src/${f}`, import.meta.url));

export async function startShop(t: TestContext, extraEnv: Record<string, string> = {}) {
  const [gateway, orders, inventory] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    GATEWAY_PORT: String(gateway),
    ORDERS_PORT: String(orders),
    INVENTORY_PORT: String(inventory),
    ORDERS_URL: `http://127.0.0.1:${orders}`,
    INVENTORY_URL: `http://127.0.0.1:${inventory}`,
    ...extraEnv,
  };
  for (const name of ['inventory', 'orders', 'gateway']) {
    const child = startChild(t, process.execPath, [src(`${name}.ts`)], { env });
    await child.waitForLine('"state":"READY"', 20_000);
  }
  return { gateway: `http://127.0.0.1:${gateway}`, orders: `http://127.0.0.1:${orders}`, inventory: `http://127.0.0.1:${inventory}` };
}

