// What the supervisor commands share: finding the daemon (-c, --socket, HOLDFAST_SOCKET, the
// default) and the status table. Their options are parsed by ../args.ts like every command's.
import type { ActionOptions, ActionResult, InstanceStatus, SupervisorClient } from '@holdfast/supervisor';
import { duration, parse } from '../args.ts';
import { UsageError } from '../errors.ts';

export const connectionHelp = `Finding the daemon:
  -c, --config <file>   the config the daemon runs (its supervisor.socket, or the default socket)
  --socket <path>       the daemon's socket (or an http:// URL; token from HOLDFAST_TOKEN)
  Without either: HOLDFAST_SOCKET, else the default socket (/var/lib/holdfast/holdfast.sock for root,
  ~/.local/state/holdfast/holdfast.sock otherwise).`;

/** The options that find the daemon, part of every supervisor command's options. */
export const connectionOptions = {
  config: { type: 'string', short: 'c' },
  socket: { type: 'string' },
} as const;

/** Up as a user means it: READY, or a one-shot program that exited cleanly. */
export const isUp = (i: InstanceStatus): boolean => i.state === 'READY' || (i.state === 'EXITED' && i.lastExit?.reason === 'exited');

type Flag = string | boolean | undefined;

export async function client(values: { config?: Flag; socket?: Flag }, timeoutMs?: number): Promise<SupervisorClient> {
  const { clientFor, SupervisorClient } = await import('@holdfast/supervisor');
  const timeout = timeoutMs ? { timeoutMs } : {};
  if (typeof values.socket === 'string') {
    const s = values.socket;
    const token = process.env.HOLDFAST_TOKEN ? { token: process.env.HOLDFAST_TOKEN } : {};
    if (/^https?:\/\//.test(s)) return new SupervisorClient({ url: s, ...token, ...timeout });
    return new SupervisorClient({ socket: s, ...timeout });
  }
  return clientFor({ ...(typeof values.config === 'string' ? { config: values.config } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

export function formatBytes(n: number | null): string {
  if (n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function lastExitText(i: InstanceStatus): string {
  if (i.state === 'FATAL' && i.fatalReason) return i.fatalReason;
  if (i.waitingFor.length) return `waiting for ${i.waitingFor.join(', ')}`;
  const x = i.lastExit;
  if (!x) return '';
  const how =
    x.reason === 'exited'
      ? `exit ${x.code}`
      : x.reason === 'signal'
        ? `killed by ${x.signal}`
        : x.reason === 'oom'
          ? 'OOM-killed'
          : x.reason;
  // The detail (an error, the heap-limit advice) can be long: the time goes before it.
  return `${how} at ${x.at.slice(11, 19)}${x.detail && x.reason !== 'oom' ? `: ${x.detail}` : ''}`;
}

export function statusTable(rows: InstanceStatus[]): string {
  const head = ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'CPU', 'MEM', 'LAST EXIT'];
  const body = rows.map((i) => [
    // During a rolling reload an instance id shows twice: the replacement and the one draining.
    i.role ? `${i.id} (${i.role})` : i.id,
    i.state,
    i.pid === null ? '-' : String(i.pid),
    formatDuration(i.uptimeMs),
    String(i.restarts),
    i.cpuPercent === null ? '-' : `${i.cpuPercent}%`,
    formatBytes(i.memoryBytes),
    lastExitText(i),
  ]);
  return textTable(head, body);
}

/**
 * Columns two spaces apart, each as wide as its widest cell, the last one unpadded. A row with
 * fewer cells than the head has its last cell run across the columns it lacks (a message in
 * place of figures) and does not widen them.
 */
export function textTable(head: readonly string[], body: readonly string[][]): string {
  const full = body.filter((r) => r.length === head.length);
  const widths = head.map((h, c) => Math.max(h.length, ...full.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

/**
 * Prints an action's result; the exit code is 1 when an instance did not reach `want`, or the
 * wait timed out (the daemon answers as soon as what it waits for holds, so a timeout is real).
 */
export function report(result: ActionResult, json: boolean, want: (i: InstanceStatus) => boolean): number {
  if (json) console.log(JSON.stringify(result, null, 2));
  else console.log(statusTable(result.instances));
  const bad = result.instances.filter((i) => !want(i));
  if (!json && result.timedOut.length) {
    const states = result.timedOut.map((id) => {
      const i = result.instances.find((x) => x.id === id);
      return i ? `${id} (${i.state}${i.waitingFor.length ? `, waiting for ${i.waitingFor.join(', ')}` : ''})` : id;
    });
    console.error(`timed out waiting for ${states.join(', ')}: raise --timeout, or see 'holdfast status' and 'holdfast logs'`);
  }
  return bad.length > 0 || result.timedOut.length > 0 ? 1 : 0;
}

export interface ProgramAction {
  verb: 'start' | 'stop' | 'restart';
  /** With --timeout (a duration, default 60 s): the longest wait for the targets to settle. */
  timeout: boolean;
  /** How long the request may take, given the wait. */
  requestMs: (timeoutMs: number) => number;
  /** With --env NAME=value (repeatable) and --persist: environment for the start (start only). */
  environment?: boolean;
  act: (
    c: SupervisorClient,
    targets: string[],
    options: ActionOptions & { env?: Record<string, string>; persist?: boolean },
  ) => Promise<ActionResult>;
  /** Where an instance should end up; exit code 1 when one did not (unless --no-wait). */
  reached: (i: InstanceStatus) => boolean;
}

/** --env values (NAME=value) as an object; undefined when none were given. */
export function envPairs(list: string[] | undefined): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  const env: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new UsageError(`--env takes NAME=value with a variable name, not '${item}'`);
    env[name] = item.slice(eq + 1);
  }
  return env;
}

/** start, stop and restart: targets, --no-wait, --json, and --timeout for the ones that wait for READY. */
export async function runProgramAction(argv: string[], a: ProgramAction): Promise<number> {
  const options = {
    ...connectionOptions,
    'no-wait': { type: 'boolean' },
    json: { type: 'boolean' },
    timeout: { type: 'string' },
    env: { type: 'string', multiple: true },
    persist: { type: 'boolean' },
  } as const;
  const { values, positionals } = parse(argv, options, { positionals: true });
  if (!a.timeout && values.timeout !== undefined) throw new UsageError(`unknown option '--timeout' (${a.verb} does not wait for READY)`);
  if (!a.environment && (values.env !== undefined || values.persist !== undefined))
    throw new UsageError(`unknown option '${values.env ? '--env' : '--persist'}' (only start sets environment)`);
  if (!positionals.length) throw new UsageError(`what to ${a.verb}? Name programs, instances, groups, or 'all'`);
  const timeoutMs = duration('timeout', values.timeout, 60_000);
  const env = envPairs(values.env);
  if (values.persist && !env) throw new UsageError('--persist keeps the variables of --env; give at least one --env NAME=value');
  const c = await client(values, a.requestMs(timeoutMs));
  const noWait = values['no-wait'] === true;
  const r = await a.act(c, positionals, {
    wait: !noWait,
    ...(a.timeout ? { timeoutMs } : {}),
    ...(env ? { env } : {}),
    ...(values.persist ? { persist: true } : {}),
  });
  return report(r, values.json === true, (i) => noWait || a.reached(i));
}
