// A small lab of Linux network namespaces on one bridge: the "hosts" of a drill. Everything it
// creates carries this process's pid (namespace names `hf-<pid>-<seq>-<role>`, interface aliases
// `holdfast-drill pid=<pid>`), so parallel runs never collide and a later run can sweep what a
// crashed one left (sweepStale removes only objects whose pid is dead).
import { existsSync } from 'node:fs';
import { FailoverError } from '../errors.ts';
import { outputOf, runCommand } from '../resources/command.ts';

let seq = 0;

/** Runs `ip …`, throwing with ip's own words on failure. */
export async function ipCmd(args: string[], what?: string): Promise<string> {
  const r = await runCommand('ip', args);
  if (r.code !== 0) throw new FailoverError('HOLDFAST_E_RESOURCE_FAILED', `${what ?? `'ip ${args.join(' ')}'`} failed: ${outputOf(r)}`);
  return r.stdout;
}

const ALIAS = 'holdfast-drill pid=';

export interface LabHost {
  /** Role name, e.g. n1, client, etcd. */
  role: string;
  netns: string;
  /** The host's interface inside its namespace (always eth0). */
  dev: 'eth0';
  /** Bridge-side end of its veth pair (in the root namespace). */
  port: string;
  address: string;
}

export class NetnsLab {
  readonly id: string;
  readonly bridge: string;
  readonly prefixLength: number;
  readonly #tag: string;
  readonly hosts = new Map<string, LabHost>();
  #created = false;

  constructor(prefixLength = 24) {
    const n = seq++;
    this.id = `${process.pid}-${n}`;
    // Interface names are limited to 15 bytes: hf + pid in base 36 (≤ 5) + seq + role (≤ 6).
    this.#tag = `hf${process.pid.toString(36)}${n.toString(36)}`;
    this.bridge = `${this.#tag}br`;
    this.prefixLength = prefixLength;
  }

  netnsName(role: string): string {
    return `hf-${this.id}-${role}`;
  }

  async createBridge(): Promise<void> {
    this.#created = true;
    await ipCmd(['link', 'add', this.bridge, 'type', 'bridge', 'forward_delay', '0']);
    await ipCmd(['link', 'set', this.bridge, 'alias', `${ALIAS}${process.pid}`]);
    await ipCmd(['link', 'set', this.bridge, 'up']);
  }

  /** A namespace with lo up and eth0 (address/prefixLength) plugged into the bridge. */
  async addHost(role: string, address: string): Promise<LabHost> {
    if (role.length > 6) throw new RangeError(`role '${role}' is longer than 6 characters`);
    const netns = this.netnsName(role);
    const port = `${this.#tag}${role}`;
    if (port.length > 15) throw new RangeError(`interface name '${port}' is longer than 15 characters`);
    await ipCmd(['netns', 'add', netns]);
    const host: LabHost = { role, netns, dev: 'eth0', port, address };
    this.hosts.set(role, host);
    await ipCmd(['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    await ipCmd(['link', 'set', port, 'alias', `${ALIAS}${process.pid}`]);
    await ipCmd(['link', 'set', port, 'master', this.bridge]);
    await ipCmd(['link', 'set', port, 'up']);
    await ipCmd(['-n', netns, 'link', 'set', 'lo', 'up']);
    await ipCmd(['-n', netns, 'addr', 'add', `${address}/${this.prefixLength}`, 'dev', 'eth0']);
    await ipCmd(['-n', netns, 'link', 'set', 'eth0', 'up']);
    return host;
  }

  host(role: string): LabHost {
    const h = this.hosts.get(role);
    if (!h) throw new RangeError(`no host '${role}' in lab ${this.id}`);
    return h;
  }

  /** SIGKILLs every process still inside the lab's namespaces (a process keeps its namespace, and so its veth, alive). */
  async killAll(): Promise<void> {
    for (const h of this.hosts.values()) {
      const r = await runCommand('ip', ['netns', 'pids', h.netns]);
      for (const pid of r.stdout.split(/\s+/).filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGCONT');
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
  }

  /** Removes every namespace and link of this lab; safe to call twice and after a partial build. */
  async destroy(): Promise<void> {
    await this.killAll();
    for (const h of this.hosts.values()) {
      await runCommand('ip', ['netns', 'del', h.netns]);
      await runCommand('ip', ['link', 'del', h.port]);
    }
    this.hosts.clear();
    if (this.#created) await runCommand('ip', ['link', 'del', this.bridge]);
    this.#created = false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces and links left by drills whose process is gone. Returns what it removed. */
export async function sweepStale(): Promise<string[]> {
  const removed: string[] = [];
  const list = await runCommand('ip', ['-j', 'netns', 'list']);
  const namespaces = list.code === 0 ? (JSON.parse(list.stdout || '[]') as Array<{ name: string }>) : [];
  for (const { name } of namespaces) {
    const m = /^hf-(\d+)-\d+-/.exec(name);
    if (m && !alive(Number(m[1]))) {
      const pids = await runCommand('ip', ['netns', 'pids', name]);
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      await runCommand('ip', ['netns', 'del', name]);
      removed.push(name);
    }
  }
  const links = await runCommand('ip', ['-j', 'link', 'show']);
  for (const l of links.code === 0 ? (JSON.parse(links.stdout || '[]') as Array<{ ifname: string; ifalias?: string }>) : []) {
    const m = l.ifalias?.startsWith(ALIAS) ? Number(l.ifalias.slice(ALIAS.length)) : NaN;
    if (Number.isInteger(m) && !alive(m)) {
      await runCommand('ip', ['link', 'del', l.ifname]);
      removed.push(l.ifname);
    }
  }
  return removed;
}

/** Why a drill cannot run here (not root, no netns support, a missing tool), or undefined when it can. */
export async function labUnavailable(tools: string[] = ['ip', 'arping']): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root: run as root (sudo)';
  for (const tool of tools) {
    const r = await runCommand('sh', ['-c', `command -v ${tool}`]);
    const pkg: Record<string, string> = {
      arping: 'iputils-arping',
      ip: 'iproute2',
      bridge: 'iproute2',
      etcd: 'etcd-server',
      etcdctl: 'etcd-client',
    };
    if (r.code !== 0) return `'${tool}' is not installed (apt-get install ${pkg[tool] ?? tool})`;
  }
  if (!existsSync('/proc/self/ns/net')) return 'this kernel has no network namespaces';
  return undefined;
}
