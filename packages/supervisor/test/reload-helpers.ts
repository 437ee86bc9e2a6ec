// Shared setup of the reload tests: a real daemon running the reload-app fixture (a
// @holdfast/service app) as N instances on one supervisor-owned listening socket, READY by its
// own notice on the notify fd.
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort, waitFor } from '@holdfast/testkit';
import type { SupervisorClient, SupervisorEvent } from '../src/index.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

export const reloadApp = join(fixtures, 'reload-app.ts');

export interface ReloadSetup {
  url: string;
  port: number;
  client: SupervisorClient;
  dir: string;
  brokenFile: string;
}

export async function startReloadDaemon(t: TestContext, o: { instances?: number; extra?: string } = {}): Promise<ReloadSetup> {
  const port = await freePort();
  const instances = o.instances ?? 2;
  const { config, dir } = await writeConfig(
    t,
    `programs:\n  web:\n    command: ` +
      `[${node}, ${reloadApp}]\n` +
      `    instances: ${instances}\n    listen: ` +
      `[{port: ${port}, host: 127.0.0.1}]\n` +
      `    ready: {notify: true, timeoutMs: 30s}\n    stopTimeoutMs: 15s\n` +
      `    env: {BROKEN_FILE: BROKEN, NODE_COMPILE_CACHE: .compile-cache}\n${o.extra ?? ''}`,
  );
  const { client } = await startDaemon(t, config);
  await waitFor(
    'every instance READY',
    async () => (await client.status()).programs.filter((p) => p.state === 'READY').length === instances,
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return { url: `http://127.0.0.1:${port}`, port, client, dir, brokenFile: join(dir, 'BROKEN') };
}

export async function pidsOf(client: SupervisorClient, program = 'web'): Promise<number[]> {
  return (await client.status()).programs
    .filter((p) => p.program === program && p.role === null)
    .map((p) => p.pid!)
    .sort();
}

/** Follows state events and keeps the fewest READY processes (by key) seen since it started. */
export async function trackReady(
  t: TestContext,
  client: SupervisorClient,
  program = 'web',
): Promise<{ min: () => number; now: () => number }> {
  const ready = new Set((await client.status()).programs.filter((p) => p.program === program && p.state === 'READY').map((p) => p.key));
  let min = ready.size;
  const ac = new AbortController();
  t.after(() => ac.abort());
  client
    .events(
      (e: SupervisorEvent) => {
        if (e.type !== 'state' || e.program !== program) return;
        if (e.to === 'READY') ready.add(e.key);
        else if (e.from === 'READY') ready.delete(e.key);
        min = Math.min(min, ready.size);
      },
      { signal: ac.signal },
    )
    .catch(() => {});
  return { min: () => min, now: () => ready.size };
}
