// The drill's test cluster: a lab of namespaces (3 nodes, a client, the etcd witness) on one
// bridge, an HTTP service and an agent per node. It starts and stops the processes, keeps every
// agent's output in a log file, and turns the agents' event lines into timed events.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monotonicMs } from '../clock.ts';
import { FailoverError } from '../errors.ts';
import { lineSplitter } from '../fence/protocol.ts';
import { NetnsLab, sweepStale, type LabHost } from './netns.ts';
import { startWitness, type Witness } from './etcd-witness.ts';
import { drillAgentConfig } from './agent-config.ts';
import { keepalivedArgs, keepalivedConfig } from './keepalived.ts';
import { drillNet, type DrillProfile } from './profiles.ts';
import type { TimedEvent } from './windows.ts';

/** Why a drill stops when its signal aborts: the signal's own reason, or a drill error naming it. */
export function drillAborted(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new FailoverError('HOLDFAST_E_DRILL_FAILED', 'the drill was aborted');
}

const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const httpServiceMain = join(here, `http-service-main${ext}`);
export const pollerMain = join(here, `poller-main${ext}`);
export const agentMain = join(here, `agent-main${ext}`);

/** Runs the agent through this package's own entry point (what `holdfast failover -c` does). */
export const defaultAgentCommand: AgentCommand = (configPath) => ({ file: process.execPath, args: [agentMain, configPath] });

/** How to run an agent: the command line for `holdfast failover -c <config>`. */
export type AgentCommand = (configPath: string) => { file: string; args: string[] };

/** What runs on the nodes: holdfast's agent, or keepalived as the peer to compare with. */
export type DrillAgentKind = 'holdfast' | 'keepalived';

export interface NodeHandle {
  name: string;
  host: LabHost;
  configPath: string;
  agent: ChildProcess | undefined;
  agentPid: number;
  /** The agent runs in a process group of its own and faults hit the whole group (keepalived). */
  group: boolean;
}

export class DrillCluster {
  readonly lab = new NetnsLab(drillNet.prefix);
  readonly dir = mkdtempSync(join(tmpdir(), 'hf-drill-'));
  readonly nodes: NodeHandle[] = [];
  readonly events: TimedEvent[] = [];
  witness: Witness | undefined;
  readonly #procs = new Set<ChildProcess>();
  readonly #logs: WriteStream[] = [];
  readonly #profile: DrillProfile;
  readonly #agentCommand: AgentCommand;
  readonly #progress: (msg: string) => void;
  readonly kind: DrillAgentKind;

  constructor(profile: DrillProfile, agentCommand: AgentCommand, progress: (msg: string) => void, kind: DrillAgentKind = 'holdfast') {
    this.kind = kind;
    this.#profile = profile;
    this.#agentCommand = agentCommand;
    this.#progress = progress;
  }

  async build(): Promise<void> {
    const stale = await sweepStale();
    if (stale.length) this.#progress(`removed ${stale.length} namespace(s)/link(s) left by earlier drills`);
    await this.lab.createBridge();
    for (const [i, address] of drillNet.nodes.entries()) {
      const host = await this.lab.addHost(`n${i + 1}`, address);
      const ext = this.kind === 'keepalived' ? 'conf' : 'json';
      this.nodes.push({
        name: `n${i + 1}`,
        host,
        configPath: join(this.dir, `n${i + 1}.${ext}`),
        agent: undefined,
        agentPid: -1,
        group: this.kind === 'keepalived',
      });
    }
    await this.lab.addHost('client', drillNet.client);
    const etcdHost = await this.lab.addHost('etcd', drillNet.etcd);
    this.#progress(
      `network: bridge ${this.lab.bridge}, ` +
        `nodes ${drillNet.nodes.join(', ')}, ` +
        `client ${drillNet.client}, ` +
        `etcd ${drillNet.etcd}, VIP ${drillNet.vip}`,
    );
    await Promise.all(this.nodes.map((n) => this.#startService(n)));
    if (this.kind === 'keepalived') {
      for (const [i, n] of this.nodes.entries()) writeFileSync(n.configPath, keepalivedConfig(n.name, 100 - i));
      return;
    }
    this.witness = await startWitness(etcdHost.netns, drillNet.etcd, this.#profile);
    this.#progress(`etcd witness ready (heartbeat ${this.#profile.etcd.heartbeatMs} ms, election ${this.#profile.etcd.electionMs} ms)`);
    for (const [i, n] of this.nodes.entries()) {
      const config = drillAgentConfig({
        node: n.name,
        priority: 100 - i,
        etcd: this.witness.endpoint,
        profile: this.#profile,
        statusSocket: join(this.dir, `${n.name}.sock`),
      });
      writeFileSync(n.configPath, JSON.stringify(config, null, 2));
    }
  }

  /** Spawns `file args` inside `netns` (ip netns exec replaces itself, so the pid is the program's). */
  spawnIn(netns: string, file: string, args: string[], log?: string, detached = false): ChildProcess {
    const proc = spawn('ip', ['netns', 'exec', netns, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached });
    this.#procs.add(proc);
    proc.once('exit', () => this.#procs.delete(proc));
    if (log) {
      const out = createWriteStream(join(this.dir, log), { flags: 'a' });
      this.#logs.push(out);
      proc.stdout?.pipe(out, { end: false });
      proc.stderr?.pipe(out, { end: false });
    }
    return proc;
  }

  async startAgent(n: NodeHandle): Promise<void> {
    const { file, args } =
      this.kind === 'keepalived'
        ? { file: 'keepalived', args: keepalivedArgs(n.configPath, this.dir, n.name) }
        : this.#agentCommand(n.configPath);
    const proc = this.spawnIn(n.host.netns, file, args, `${n.name}-agent.log`, n.group);
    n.agent = proc;
    n.agentPid = proc.pid ?? -1;
    // When the event happened, not when this (possibly starved) process read it: a late read
    // would stretch a window and report an overlap that never was. The agent's pino `time` is
    // wall-clock ms, shared by every process here; it is mapped onto CLOCK_MONOTONIC with the
    // offset read now (measurement only: no decision rests on the wall clock).
    const onLine = (line: string) => {
      const at = monotonicMs();
      if (!line.startsWith('{')) return;
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        // Agent events arrive as pino lines ({"event": "elected", "token": 7, …}) or plain events ({"type": …}).
        const type = typeof e['event'] === 'string' ? e['event'] : e['type'];
        if (typeof type !== 'string') return;
        this.events.push({
          node: n.name,
          at: typeof e['mono'] === 'number' ? e['mono'] : typeof e['time'] === 'number' ? e['time'] - (Date.now() - at) : at,
          type,
          ...(typeof e['token'] === 'number' ? { token: e['token'] } : {}),
          ...(typeof e['deadlineInMs'] === 'number' ? { deadlineInMs: e['deadlineInMs'] } : {}),
        });
      } catch {}
    };
    proc.stdout?.on('data', lineSplitter(onLine));
  }

  /**
   * Waits until every agent reported `agent-started`. An agent that exits first (its first etcd
   * request timed out on a loaded machine, say) is started again, up to `attempts` times, as a
   * service manager would: the drill measures failover, not start-up.
   */
  async waitAgentsStarted(signal: AbortSignal | undefined, progress: (m: string) => void, attempts = 3, timeoutMs = 60_000): Promise<void> {
    const end = monotonicMs() + timeoutMs;
    const tries = new Map(this.nodes.map((n) => [n.name, 1]));
    for (;;) {
      if (signal?.aborted) throw drillAborted(signal);
      const pending = this.nodes.filter((n) => !this.events.some((e) => e.node === n.name && e.type === 'agent-started'));
      if (pending.length === 0) return;
      for (const n of pending) {
        const p = n.agent;
        if (p && (p.exitCode !== null || p.signalCode !== null)) {
          const t = tries.get(n.name)!;
          if (t >= attempts) {
            const log = join(this.dir, `${n.name}-agent.log`);
            throw new FailoverError(
              'HOLDFAST_E_DRILL_FAILED',
              `the agent of ${n.name} exited ${attempts} times before it started; see ${log}`,
            );
          }
          tries.set(n.name, t + 1);
          progress(`the agent of ${n.name} exited before it started (exit ${p.exitCode ?? p.signalCode}); starting it again`);
          await this.startAgent(n);
        }
      }
      if (monotonicMs() > end) {
        const names = pending.map((n) => n.name).join(', ');
        throw new FailoverError('HOLDFAST_E_DRILL_FAILED', `agents ${names} did not start within ${timeoutMs} ms; see ${this.dir}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops an agent: SIGCONT (it may be paused), SIGTERM, SIGKILL after `graceMs`. */
  async stopAgent(n: NodeHandle, graceMs = 5000): Promise<void> {
    const p = n.agent;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (n.group && p.pid !== undefined) process.kill(-p.pid, sig);
        else p.kill(sig);
      } catch {}
    };
    signal('SIGCONT');
    signal('SIGTERM');
    const t = setTimeout(() => signal('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  }

  /** Everything down and removed: processes, witness, namespaces, bridge, and the logs unless kept. */
  async destroy(keepLogs: boolean): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stopAgent(n, 2000).catch(() => {})));
    for (const p of this.#procs) {
      try {
        p.kill('SIGCONT');
        p.kill('SIGKILL');
      } catch {}
    }
    await this.witness?.stop().catch(() => {});
    await this.lab.destroy();
    for (const l of this.#logs) l.end();
    if (!keepLogs) rmSync(this.dir, { recursive: true, force: true });
  }

  async #startService(n: NodeHandle): Promise<void> {
    const proc = this.spawnIn(
      n.host.netns,
      process.execPath,
      [httpServiceMain, n.name, String(drillNet.servicePort)],
      `${n.name}-service.log`,
    );
    await new Promise<void>((resolve, reject) => {
      proc.stdout?.on(
        'data',
        lineSplitter((l) => l.startsWith('LISTENING') && resolve()),
      );
      const exited = (code: number | null) =>
        new FailoverError('HOLDFAST_E_DRILL_FAILED', `the HTTP service of ${n.name} exited with ${code}`);
      proc.once('exit', (code) => reject(exited(code)));
    });
  }
}
