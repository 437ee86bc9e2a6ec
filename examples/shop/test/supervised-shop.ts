// The shop under the holdfast supervisor for the dashboard's tests: holdfast.yaml as `npm start`
// runs it, on free ports, with its state, socket and a copy of guard-rules.yaml in a temp dir (a
// test edits the copy, never the repository's file), without the tracing preload. The daemon
// can be stopped and started again on the same config (the rules must survive that).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { SupervisorClient } from '@holdfast/supervisor';
import { cleanup, freePort, startChild, tempDir, waitFor, type Child } from '@holdfast/testkit';

const shop = fileURLToPath(new URL('..', import.meta.url));
const cli = join(shop, '..', '..', 'packages', 'cli', 'bin', 'holdfast.ts');

export interface SupervisedShop {
  config: string;
  rulesFile: string;
  gateway: string;
  inventory: string;
  dashboard: string;
  client: SupervisorClient;
  daemon: Child;
  /** A fresh one-time sign-in link. */
  login(): Promise<string>;
  /** Stops the daemon and every program, then starts them again on the same config. */
  restart(): Promise<void>;
}

export async function startSupervisedShop(t: TestContext): Promise<SupervisedShop> {
  const dir = tempDir(t, 'holdfast-dashboard-');
  const [gw, orders, inventory, dashboard] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const rulesFile = join(dir, 'guard-rules.yaml');
  copyFileSync(join(shop, 'guard-rules.yaml'), rulesFile);
  const c = parse(readFileSync(join(shop, 'holdfast.yaml'), 'utf8')) as Record<string, any>;
  c.supervisor = { ...c.supervisor, socket: join(dir, 'hf.sock'), stateDir: join(dir, 'state') };
  const ports: Record<string, number> = { gateway: gw, orders, inventory };
  for (const [name, p] of Object.entries(c.programs as Record<string, any>)) {
    p.cwd = shop;
    p.command = (p.command as string[]).filter((a, i, all) => a !== '--import' && all[i - 1] !== '--import');
    p.listen = [{ port: ports[name], host: '127.0.0.1' }];
    p.env.SHOP_GUARD_RULES = rulesFile;
    for (const [k, v] of Object.entries(p.env as Record<string, string>))
      p.env[k] = String(v).replace(/:300([0-2])\b/, (_m, d: string) => `:${[gw, orders, inventory][Number(d)]}`);
  }
  // A copy: the page's "add to knowledge base" writes to it.
  copyFileSync(join(shop, 'knowledge.yaml'), join(dir, 'knowledge.yaml'));
  c.incidents.knowledge = join(dir, 'knowledge.yaml');
  // Nobody listens for the webhook here: incidents are read from the page.
  delete c.incidents.receivers;
  delete c.incidents.routes;
  // The root-cause ranking reads the scrape's store: every second, so an incident's probable cause comes within seconds.
  c.scrape = { ...c.scrape, interval: '1s' };
  // A burst is 30 lines of one template in the detector's minute (60 by default), from the first minute on.
  c.mining = { defaults: { detector: { warmupMs: 0, burstMinCount: 30 } } };
  c.dashboard = {
    port: dashboard,
    guard: { gateway: { rules: rulesFile }, orders: { rules: rulesFile }, inventory: { rules: rulesFile } },
  };
  const config = join(dir, 'holdfast.yaml');
  writeFileSync(config, stringify(c));
  const client = new SupervisorClient({ socket: c.supervisor.socket, timeoutMs: 60_000 });
  const env = { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  const start = async () => {
    const d = startChild(t, process.execPath, [cli, 'supervise', '-c', config], { env });
    // Registered after startChild's SIGKILL, so it runs first (cleanups run last-in first-out): a
    // daemon killed outright would leave its programs running, each in a process group of its own.
    cleanup(t, async () => {
      if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
      await client.shutdown().catch(() => {});
      await d.exited;
    });
    await waitFor(
      'every shop program READY',
      async () => {
        if (d.proc.exitCode !== null) throw new Error(`the daemon exited: ${d.stderr()}`);
        const st = await client.status().catch(() => undefined);
        return st && st.programs.length === 4 && st.programs.every((p) => p.state === 'READY') ? st : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    return d;
  };
  const s: SupervisedShop = {
    config,
    rulesFile,
    gateway: `http://127.0.0.1:${gw}`,
    inventory: `http://127.0.0.1:${inventory}`,
    dashboard: `http://127.0.0.1:${dashboard}`,
    client,
    daemon: await start(),
    login: async () => (await client.dashboardLogin()).url,
    restart: async () => {
      await client.shutdown();
      await s.daemon.exited;
      s.daemon = await start();
    },
  };
  return s;
}
