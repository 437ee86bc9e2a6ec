// What the CLI tests need from the supervisor, through its public API only: a config in a temp
// dir (socket, state and logs inside it), a real daemon process for it that is shut down (its
// programs stopped, its cgroups removed) when the test ends, and the `holdfast` command run as
// a user runs it.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cleanup, startChild, tempDir, waitFor } from '@holdfast/testkit';
import { daemonArgv, detectCgroups, loadSupervisorConfig, SupervisorClient, type ResolvedConfig } from '@holdfast/supervisor';

const bin = fileURLToPath(new URL('../../bin/holdfast.ts', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `holdfast <args>` in a child process and resolves when it exits. */
export function holdfast(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A holdfast.yaml in a temp dir with the daemon's socket, state and logs inside that dir. */
export async function writeConfig(t: TestContext, yaml: string): Promise<{ dir: string; file: string; config: ResolvedConfig }> {
  const dir = tempDir(t, 'hf-cli-');
  const file = join(dir, 'holdfast.yaml');
  const header = [
    'supervisor:',
    `  socket: ${join(dir, 's.sock')}`,
    `  stateDir: ${join(dir, 'state')}`,
    `  logDir: ${join(dir, 'logs')}`,
    '  logLevel: warn',
    '',
  ].join('\n');
  writeFileSync(file, header + yaml);
  return { dir, file, config: await loadSupervisorConfig(file) };
}

/** The real daemon process for `config`, answering on its socket. */
export async function startDaemon(t: TestContext, config: ResolvedConfig): Promise<{ client: SupervisorClient }> {
  const client = new SupervisorClient({ socket: config.supervisor.socket, timeoutMs: 30_000 });
  // Registered before startChild's own cleanup (which SIGKILLs the process group): the daemon
  // first stops its programs in order and removes its cgroups.
  const started: { daemon?: ReturnType<typeof startChild> } = {};
  cleanup(t, async () => {
    await client.shutdown().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([started.daemon?.exited, new Promise((r) => (timer = setTimeout(r, 60_000)))]);
    clearTimeout(timer);
    // A daemon that died mid-way leaves its programs' cgroups: empty them and remove them.
    const { driver } = detectCgroups({ daemonId: config.id });
    if (!driver) return;
    for (const name of driver.leftovers()) {
      const cgroup = driver.attach(name);
      await cgroup.killAll(5000);
      await cgroup.remove();
    }
    driver.dispose();
  });
  started.daemon = startChild(t, process.execPath, daemonArgv(config.file));
  await waitFor('the daemon socket', () => client.status().then(() => true), { timeoutMs: 15_000 });
  return { client };
}
