// Turns a program's config into one instance's spawn and starts it: its own session and process
// group (detached), its cgroup entered before the program runs (so not even its first fork escapes), the
// notify fd or IPC channel its readiness needs, and a marker in its environment that every
// descendant inherits (how stops find daemonized grandchildren where no cgroup exists).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { ProgramConfig, ReadyCheck } from '../config/schema.ts';
import { applyNodeHeap } from './node-heap.ts';
import { lookupGroup, lookupUser } from './users.ts';

export const MARKER_VAR = 'HOLDFAST_PROCESS';
/** The stop budget a program gets: what the service runtime plans its shutdown within. */
export const GRACE_VAR = 'HOLDFAST_TERMINATION_GRACE_MS';

export interface InstanceSpec {
  program: string;
  index: number;
  /** 'web' for a single instance, 'web:0', 'web:1', … otherwise. */
  id: string;
  /**
   * Unique among the processes of this daemon: the id, plus `~<n>` for the n-th replacement of
   * the instance in a rolling reload (old and new run side by side, so their cgroups, pid records
   * and environment markers must differ).
   */
  key: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** --max-old-space-size in force for a Node program with a memory limit. */
  heapMiB?: number;
  uid?: number;
  gid?: number;
  ready: ReadyCheck;
  /** Port of a tcp liveness probe, with {instance} resolved. */
  livenessPort?: number;
  livenessUrl?: string;
  /** HOLDFAST_PROCESS value: <config id>/<key>. */
  marker: string;
  /** Where env.PATH came from, for an error that cannot find the command. */
  pathSource: string;
}

/** Listening sockets passed to the process (systemd socket activation). */
export interface ListenFds {
  fds: number[];
  names: string[];
}

/**
 * Variables of the socket-activation and notify protocols: never passed down from the daemon's
 * own environment (a program's sd_notify messages would be taken for the daemon's, its watchdog
 * pings would keep a hung daemon alive).
 */
const LISTEN_VARS = new Set(['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', 'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']);

const fill = (s: string, i: number) => s.replaceAll('{instance}', String(i));

export function instanceId(program: string, index: number, instances: number): string {
  return instances > 1 ? `${program}:${index}` : program;
}

/** PATH of a program that inherits no environment (systemd's default for services). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The part of the daemon's environment a program gets: all of it, none of it, or the names it lists. */
export function inheritedEnv(baseEnv: NodeJS.ProcessEnv, inherit: boolean | readonly string[] = true): Record<string, string> {
  const env: Record<string, string> = {};
  const take = (k: string) => {
    const v = baseEnv[k];
    if (v !== undefined && !k.startsWith('NODE_CHANNEL') && k !== 'NOTIFY_FD' && k !== MARKER_VAR && !LISTEN_VARS.has(k)) env[k] = v;
  };
  if (inherit === true) for (const k of Object.keys(baseEnv)) take(k);
  else if (inherit !== false) for (const k of inherit) take(k);
  if (inherit !== true && env.PATH === undefined) env.PATH = DEFAULT_PATH;
  return env;
}

/** The per-instance view of a program: {instance} placeholders resolved, environment assembled. */
export function instanceSpec(
  configId: string,
  program: string,
  p: ProgramConfig,
  index: number,
  baseEnv: NodeJS.ProcessEnv = process.env,
  generation = 0,
  /** The daemon's control socket, told to the program as HOLDFAST_SOCKET (its own env wins). */
  controlSocket?: string,
): InstanceSpec {
  const id = instanceId(program, index, p.instances);
  const key = generation > 0 ? `${id}~${generation}` : id;
  const marker = `${configId}/${key}`;
  const env = inheritedEnv(baseEnv, p.inheritEnv);
  let uid: number | undefined;
  let gid: number | undefined;
  if (p.user !== undefined) {
    const u = lookupUser(p.user);
    if (u) {
      uid = u.uid;
      gid = u.gid;
      Object.assign(env, { HOME: u.home, USER: u.name, LOGNAME: u.name });
    }
  }
  if (p.group !== undefined) gid = lookupGroup(p.group);
  // The stop budget, from the one place it is configured (stopTimeoutMs): the service runtime
  // plans its drain within it instead of being SIGKILLed mid-drain. A program's own env wins
  // (a warning at load says when it exceeds stopTimeoutMs).
  env[GRACE_VAR] = String(p.stopTimeoutMs);
  for (const [k, v] of Object.entries(p.env)) env[k] = fill(v, index);
  const pathSource =
    p.env.PATH !== undefined
      ? `programs.${program}.env.PATH`
      : p.inheritEnv === true || (Array.isArray(p.inheritEnv) && p.inheritEnv.includes('PATH') && baseEnv.PATH !== undefined)
        ? "the daemon's environment"
        : 'the default PATH of a program with env.inherit';
  Object.assign(env, { HOLDFAST_PROGRAM: program, HOLDFAST_INSTANCE: String(index), [MARKER_VAR]: marker });
  // Whatever the program runs (`holdfast` commands, a failover agent forwarding its events)
  // reaches the daemon that supervises it, not one an inherited HOLDFAST_SOCKET names.
  if (controlSocket !== undefined && p.env.HOLDFAST_SOCKET === undefined) env.HOLDFAST_SOCKET = controlSocket;
  let ready = p.ready;
  if (ready.kind === 'tcp') ready = { ...ready, port: Number(fill(String(ready.port), index)) };
  if (ready.kind === 'http') ready = { ...ready, url: fill(ready.url, index) };
  if (ready.kind === 'notify') env.NOTIFY_FD = String(ready.fd);
  const argv = p.argv.map((a) => fill(a, index));
  // A Node program's heap sized to its memory limit (NODE_OPTIONS=--max-old-space-size).
  const heapMiB = applyNodeHeap(env, argv[0], p.limits);
  const liveness = p.liveness;
  return {
    program,
    index,
    id,
    key,
    argv,
    ...(heapMiB !== undefined ? { heapMiB } : {}),
    cwd: fill(p.cwd ?? process.cwd(), index),
    env,
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ready,
    ...(liveness?.tcp !== undefined ? { livenessPort: Number(fill(String(liveness.tcp), index)) } : {}),
    ...(liveness?.http !== undefined ? { livenessUrl: fill(liveness.http, index) } : {}),
    marker,
    pathSource,
  };
}

/**
 * argv that runs a small /bin/sh prelude, then `exec`s the program (same pid):
 *  - `gateFd`: wait until the daemon has moved the process into its cgroup. The daemon (root)
 *    writes the pid to cgroup.procs, then a newline on the gate fd; the shell reads it, closes the
 *    fd and execs. Race-free even for the program's first fork, and it works for programs running
 *    as another user, who could not write cgroup.procs themselves.
 *  - `listenPid`: set LISTEN_PID to the process's own pid, as the socket-activation protocol
 *    wants. Node's spawn cannot know the pid before exec; `$$` is that pid, and exec keeps it.
 */
export function wrapArgv(argv: string[], o: { gateFd?: number; listenPid?: boolean }): string[] {
  const steps: string[] = [];
  if (o.gateFd !== undefined) steps.push(`read _ <&${o.gateFd} || exit 125; exec ${o.gateFd}<&-`);
  if (o.listenPid) steps.push('LISTEN_PID=$$; export LISTEN_PID');
  if (steps.length === 0) return argv;
  return ['/bin/sh', '-c', `${steps.join('; ')}; exec "$0" "$@"`, ...argv];
}

export interface SpawnedChild {
  child: ChildProcess;
  /** The readable end of the notify fd, when readiness is `notify`. */
  notify?: NodeJS.ReadableStream;
  /** Set when the child could not be put into its cgroup (it then exits 125 without running the program). */
  joinError?: string;
}

export function spawnInstance(spec: InstanceSpec, procsFiles: string[], listen?: ListenFds): SpawnedChild {
  // Listening sockets first, at fds 3.. (sd_listen_fds); the notify fd's default comes after them.
  const sockets = listen?.fds ?? [];
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...sockets];
  let env = spec.env;
  if (sockets.length) env = { ...env, LISTEN_FDS: String(sockets.length), LISTEN_FDNAMES: listen!.names.join(':') };
  if (spec.ready.kind === 'notify') {
    while (stdio.length < spec.ready.fd) stdio.push('ignore');
    stdio.push('pipe');
  } else if (spec.ready.kind === 'message') {
    stdio.push('ipc');
  }
  // The cgroup gate takes the first free fd from 3 (single digit: what every sh can redirect).
  let gateFd = -1;
  if (procsFiles.length > 0) {
    gateFd = stdio.findIndex((x, i) => i >= 3 && x === 'ignore');
    if (gateFd < 0) gateFd = stdio.length;
    stdio[gateFd] = 'pipe';
  }
  const argv = wrapArgv(spec.argv, { ...(gateFd >= 0 ? { gateFd } : {}), listenPid: sockets.length > 0 });
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: spec.cwd,
    env,
    stdio,
    detached: true, // setsid(): its own session and process group, pgid = pid
    ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
    ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
  });
  const notify = spec.ready.kind === 'notify' ? ((child.stdio[spec.ready.fd] as NodeJS.ReadableStream | null) ?? undefined) : undefined;
  let joinError: string | undefined;
  if (gateFd >= 0 && child.pid !== undefined) {
    const gate = child.stdio[gateFd] as NodeJS.WritableStream & { destroy(): void };
    // The shell closes its end once it has read the newline: an EPIPE/ECONNRESET here is expected.
    gate.on('error', () => {});
    for (const f of procsFiles) {
      try {
        writeFileSync(f, String(child.pid));
      } catch (err) {
        joinError = `cannot move pid ${child.pid} into ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        break;
      }
    }
    // Without the newline the gate's read fails and the shell exits 125: nothing of the program ran.
    if (joinError) gate.destroy();
    else gate.end('\n');
  }
  return { child, ...(notify ? { notify } : {}), ...(joinError ? { joinError } : {}) };
}
