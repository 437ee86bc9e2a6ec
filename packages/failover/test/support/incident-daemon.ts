// A real supervisor daemon with its incident loop on, for the failover agent's signals: its
// config in a temp dir (socket, state, logs), programs given by the test, started and stopped as
// a test needs (a daemon that is down, then back), and `holdfast incidents list --json` run as a
// user runs it.
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, startChild, waitFor, type Child } from '@holdfast/testkit';
import { daemonArgv, SupervisorClient } from '@holdfast/supervisor';
import { cli } from './agents.ts';

export interface IncidentRow {
  id: number;
  kind: string;
  state: string;
  severity: string;
  rule: string;
  category: string;
  count: number;
  labels: Record<string, string>;
  summary: string;
  recent: { summary: string; instance?: string; id?: string }[];
}

export interface IncidentDaemon {
  file: string;
  socket: string;
  client: SupervisorClient;
  start(): Promise<void>;
  /** A clean shutdown (programs stopped), resolved when the process is gone. */
  stop(): Promise<void>;
  /** `holdfast incidents list --state all --json -c <file>`. */
  incidents(): Promise<IncidentRow[]>;
}

const idle = `  idle:\n    command: [${process.execPath}, -e, "setInterval(() => {}, 1000)"]\n    ready: {afterMs: 0}\n`;

export function incidentDaemon(t: Pick<TestContext, 'after'>, dir: string, programs = ''): IncidentDaemon {
  const file = join(dir, 'supervisor.yaml');
  const socket = join(dir, 'sup.sock');
  writeFileSync(
    file,
    `supervisor:\n  socket: ${socket}\n  stateDir: ${join(dir, 'state')}\n  logDir: ${join(dir, 'logs')}\n  logLevel: warn\n` +
      `programs:\n${programs || idle}` +
      `incidents:\n  quietPeriod: 1h\n`,
  );
  const client = new SupervisorClient({ socket, timeoutMs: 30_000 });
  let child: Child | undefined;
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c) return;
    await client.shutdown().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([c.exited, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
  };
  return {
    file,
    socket,
    client,
    async start() {
      child = startChild(t, process.execPath, daemonArgv(file));
      // After startChild's own cleanup (which SIGKILLs), so it runs first: the daemon stops its programs.
      cleanup(t, stop);
      await waitFor('the supervisor daemon', () => client.status().then(() => true), { timeoutMs: 20_000 });
    },
    stop,
    incidents: () =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [cli, 'incidents', 'list', '--state', 'all', '--json', '-c', file]);
        let out = '';
        let err = '';
        p.stdout.on('data', (c) => (out += c));
        p.stderr.on('data', (c) => (err += c));
        p.once('close', (code) => {
          // 3: some incident is open (the list itself worked).
          if (code !== 0 && code !== 3) return reject(new Error(`holdfast incidents list exited ${code}: ${err}`));
          resolve(JSON.parse(out) as IncidentRow[]);
        });
      }),
  };
}
