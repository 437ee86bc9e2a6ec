// What the supervisor commands share: finding the daemon (-c, --socket, HOLDFAST_SOCKET, the
// default), option parsing, and the status table.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ActionResult, InstanceStatus, SupervisorClient } from '@holdfast/supervisor';
import { UsageError } from '../command.ts';

export const connectionHelp = `Finding the daemon:
  -c, --config <file>   the config the daemon runs (its supervisor.socket, or the default socket)
  --socket <path>       the daemon's socket (or an http:// URL; token from HOLDFAST_TOKEN)
  Without either: HOLDFAST_SOCKET, else the default socket (/var/lib/holdfast/holdfast.sock for root,
  ~/.local/state/holdfast/holdfast.sock otherwise).`;

const connection = {
  config: { type: 'string', short: 'c' },
  socket: { type: 'string' },
} as const;

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...connection, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^.*?: /, ''));
  }
}

export async function client(values: { config?: string | boolean; socket?: string | boolean }, timeoutMs?: number): Promise<SupervisorClient> {
  const { clientFor, SupervisorClient } = await import('@holdfast/supervisor');
  if (typeof values.socket === 'string') {
    const s = values.socket;
    return /^https?:\/\//.test(s) ? new SupervisorClient({ url: s, ...(process.env.HOLDFAST_TOKEN ? { token: process.env.HOLDFAST_TOKEN } : {}), ...(timeoutMs ? { timeoutMs } : {}) }) : new SupervisorClient({ socket: s, ...(timeoutMs ? { timeoutMs } : {}) });
  }
  return clientFor({ ...(typeof values.config === 'string' ? { config: values.config } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
}

/** "250ms", "10s", "2m", or a number of seconds. */
export function parseTimeout(v: string | boolean | undefined, fallback: number): number {
  if (typeof v !== 'string') return fallback;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new UsageError(`--timeout takes a duration like 500ms, 30s or 2m, not '${v}'`);
  // A bare number is seconds, as people type it.
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 'ms' ? 1 : 1000);
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
  const how = x.reason === 'exited' ? `exit ${x.code}` : x.reason === 'signal' ? `killed by ${x.signal}` : x.reason === 'oom' ? 'OOM-killed' : x.detail ? `${x.reason}: ${x.detail}` : x.reason;
  return `${how} at ${x.at.slice(11, 19)}`;
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
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

/** Prints an action's result; the exit code is 1 when an instance did not reach `want`. */
export function report(result: ActionResult, json: boolean, want: (i: InstanceStatus) => boolean): number {
  if (json) console.log(JSON.stringify(result, null, 2));
  else console.log(statusTable(result.instances));
  const bad = result.instances.filter((i) => !want(i));
  if (!json && result.timedOut.length) console.error(`still settling after the timeout: ${result.timedOut.join(', ')}`);
  return bad.length > 0 ? 1 : 0;
}
