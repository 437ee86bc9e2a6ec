// The README's quick start, as a user runs it: `npm start` (examples/shop/start.ts) brings the shop
// up under `holdfast supervise`, the commands it prints work (status, a rolling reload of the
// gateway while it serves), and Ctrl-C stops every process it started.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cleanup, processAlive, startChild, waitFor } from '@holdfast/testkit';
import { freeBase } from './start-shop.ts';

const run = promisify(execFile);
const shop = fileURLToPath(new URL('..', import.meta.url));
const repo = join(shop, '..', '..');
const cli = join(repo, 'packages', 'cli', 'bin', 'holdfast.ts');

test('npm start: the shop runs under holdfast, status and reload work as printed, Ctrl-C leaves no process', async (t) => {
  const base = await freeBase();
  const config = join(shop, '.tmp', `holdfast.${base}.yaml`);
  const child = startChild(t, process.execPath, [join(shop, 'start.ts')], {
    cwd: repo,
    env: { ...process.env, SHOP_PORT_BASE: String(base) },
  });
  // If the test fails half-way, the supervisor still stops its programs (they are not in the
  // test child's process group).
  cleanup(t, async () => {
    await run(process.execPath, [cli, 'shutdown', '-c', config]).catch(() => {});
    for (const f of [config, join(shop, '.tmp', `holdfast-state-${base}`), join(shop, '.tmp', `holdfast-shop-${base}.sock`)])
      rmSync(f, { recursive: true, force: true });
  });
  await child.waitForLine('demo shop is up', 90_000);
  assert.ok(child.stdout().includes(`holdfast status -c`), 'the status command is printed');
  assert.ok(child.stdout().includes(`holdfast reload gateway -c`), 'the reload command is printed');

  const gateway = `http://127.0.0.1:${base}`;
  const stock = await fetch(`${gateway}/api/stock/tea`);
  assert.equal(stock.status, 200, await stock.text());

  const status = JSON.parse((await run(process.execPath, [cli, 'status', '--json', '-c', config])).stdout) as {
    programs: { id: string; state: string; pid?: number }[];
  };
  assert.deepEqual(status.programs.map((p) => p.id).sort(), ['gateway:0', 'gateway:1', 'inventory', 'orders']);
  assert.ok(
    status.programs.every((p) => p.state === 'READY'),
    JSON.stringify(status.programs),
  );
  const pids = status.programs.map((p) => p.pid!).filter(Boolean);
  assert.equal(pids.length, 4);

  // A rolling reload while a client keeps calling the gateway: nothing fails.
  let stop = false;
  let ok = 0;
  const failed: string[] = [];
  const load = (async () => {
    while (!stop) {
      try {
        const r = await fetch(`${gateway}/api/inventory`);
        await r.arrayBuffer();
        if (r.status === 200) ok++;
        else failed.push(String(r.status));
      } catch (err) {
        failed.push((err as Error).message);
      }
    }
  })();
  try {
    await waitFor('load running', () => ok > 20);
    await run(process.execPath, [cli, 'reload', 'gateway', '-c', config], { timeout: 120_000 });
  } finally {
    stop = true;
    await load;
  }
  assert.deepEqual(failed, [], `${failed.length} failed of ${ok + failed.length} during the reload`);
  const after = JSON.parse((await run(process.execPath, [cli, 'status', '--json', '-c', config])).stdout) as {
    programs: { id: string; state: string; pid?: number }[];
  };
  const gatewayPids = after.programs.filter((p) => p.id.startsWith('gateway')).map((p) => p.pid);
  assert.equal(gatewayPids.length, 2);
  for (const pid of gatewayPids) assert.ok(!pids.includes(pid!), 'both gateway instances were replaced');
  const allPids = [...pids, ...after.programs.map((p) => p.pid!).filter(Boolean)];

  // Ctrl-C: everything drains and exits.
  child.kill('SIGINT');
  const { code } = await child.exited;
  assert.equal(code, 0, child.stdout() + child.stderr());
  assert.match(child.stdout(), /the shop is stopped/);
  await waitFor('every service process gone', () => allPids.every((pid) => !processAlive(pid)), { timeoutMs: 10_000 });
});
