// Shared setup for supervisor tests: a config in a temp dir (socket, state and logs inside it),
// loaded the way the daemon loads it, and a Supervisor that is shut down when the test ends.
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cleanup, tempDir } from '@holdfast/testkit';
import { loadSupervisorConfig, type ResolvedConfig } from '../src/index.ts';
import { Supervisor, type SupervisorOptions } from '../src/runner/supervisor.ts';
import type { InstanceRunner } from '../src/runner/instance-runner.ts';
import type { ProcessStateName } from '../src/state/states.ts';

export const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'programs');
export const node = process.execPath;

export async function writeConfig(
  t: TestContext,
  yaml: string,
  opts: { dir?: string; name?: string } = {},
): Promise<{ dir: string; file: string; config: ResolvedConfig }> {
  const dir = opts.dir ?? tempDir(t, 'hf-sup-');
  const file = join(dir, opts.name ?? 'holdfast.yaml');
  const header =
    `supervisor:\n` +
    `  socket: ${join(dir, 's.sock')}\n` +
    `  stateDir: ${join(dir, 'state')}\n` +
    `  logDir: ${join(dir, 'logs')}\n  logLevel: warn\n`;
  writeFileSync(file, yaml.includes('supervisor:') ? yaml : header + yaml);
  return { dir, file, config: await loadSupervisorConfig(file) };
}

export async function startSupervisor(t: TestContext, config: ResolvedConfig, opts: SupervisorOptions = {}): Promise<Supervisor> {
  const sup = new Supervisor(config, opts);
  cleanup(t, () => sup.shutdown());
  await sup.start();
  return sup;
}

/** Resolves when `id` enters `state` (past or future), or rejects after timeoutMs with the history. */
export function waitState(
  sup: Supervisor,
  id: string,
  state: ProcessStateName | ((r: InstanceRunner) => boolean),
  timeoutMs = 10_000,
): Promise<InstanceRunner> {
  const match = (r: InstanceRunner) => (typeof state === 'function' ? state(r) : r.state.state === state);
  const now = sup.runners().find((r) => r.spec.id === id);
  if (now && match(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => {
      sup.off('change', on);
      reject(
        new Error(
          `timed out waiting ` +
            `for ${id} ` +
            `→ ${typeof state === 'string' ? state : 'condition'}; went ` +
            (`through ${seen.join(' → ') || 'nothing'}; ` +
              (`now ${sup.runners().find((r) => r.spec.id === id)?.state.state}, last ` +
                `exit ${JSON.stringify(now?.state.lastExit ?? sup.runners().find((r) => r.spec.id === id)?.state.lastExit)}`)),
        ),
      );
    }, timeoutMs);
    const on = (r: InstanceRunner) => {
      if (r.spec.id !== id) return;
      seen.push(r.state.state);
      if (!match(r)) return;
      clearTimeout(timer);
      sup.off('change', on);
      resolve(r);
    };
    sup.on('change', on);
  });
}

/** Runs the real daemon process for `file`; stops it (and anything it left) when the test ends. */
export async function startDaemon(t: TestContext, config: ResolvedConfig, opts: { waitReady?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const { startChild, waitFor } = await import('@holdfast/testkit');
  const { daemonArgv, SupervisorClient } = await import('../src/index.ts');
  const child = startChild(t, process.execPath, daemonArgv(config.file), opts.env ? { env: opts.env } : {});
  const client = new SupervisorClient({ socket: config.supervisor.socket, timeoutMs: 30_000 });
  cleanup(t, async () => {
    try {
      await client.shutdown();
      // A loaded machine can take a while to stop every program in order; a SIGKILL mid-way would leave cgroups behind.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([child.exited, new Promise((r) => (timer = setTimeout(r, 60_000)))]);
      clearTimeout(timer);
    } catch {}
    await reapAll(config.id);
    await removeCgroups(config.id);
  });
  if (opts.waitReady !== false) await waitFor('the daemon socket', () => client.status().then(() => true), { timeoutMs: 15_000 });
  return { child, client };
}

/** SIGKILLs every process carrying this config's marker (a test's last line of defence). */
export async function reapAll(configId: string): Promise<void> {
  const { pidsWithEnvPrefix } = await import('../src/process/proc.ts');
  for (const pid of pidsWithEnvPrefix(`HOLDFAST_PROCESS=${configId}/`)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

/** Removes this config's (empty) cgroups, should a daemon have died before removing them itself. */
export async function removeCgroups(configId: string): Promise<void> {
  const { detectCgroups } = await import('../src/cgroup/detect.ts');
  const { driver } = detectCgroups({ daemonId: configId });
  if (!driver) return;
  for (const name of driver.leftovers()) await driver.attach(name).remove();
  driver.dispose();
}
