// The units `holdfast gen systemd` writes besides the supervisor's (@holdfast/supervisor's
// systemdUnit): the failover agent, and one service run directly by systemd with socket
// activation. All are Type=notify with WatchdogSec: each role says READY=1 itself and pings the
// watchdog from its event loop (@holdfast/config/sd-notify).
import { accessSync, constants } from 'node:fs';
import { delimiter, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notifyLines, systemdQuote as quote } from '@holdfast/supervisor';
import { UsageError } from './errors.ts';

/** This CLI's own entry (.ts from the sources, .js when built). */
export const cliEntry = fileURLToPath(new URL(`../bin/holdfast${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

const DOCS = 'Documentation=https://github.com/holdfast/holdfast/blob/main/docs';

export interface AgentUnitOptions {
  clusterFile: string;
  watchdogSec: number;
  nodePath?: string;
  user?: string;
}

export function agentUnit(o: AgentUnitOptions): string {
  const exec = [o.nodePath ?? process.execPath, cliEntry, 'failover', '-c', resolve(o.clusterFile)].map(quote).join(' ');
  return [
    '[Unit]',
    `Description=holdfast failover agent for ${resolve(o.clusterFile)}`,
    `${DOCS}/failover.md`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    ...notifyLines(o.watchdogSec),
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=1s',
    // SIGTERM demotes cleanly (resources down, lease released). KillMode=process: only the agent
    // is signalled, never its fence companion, which must outlive a killed or hung agent to tear
    // the resources down at the lease's deadline (a SIGKILLed companion would leave a VIP up).
    'KillMode=process',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    ...(o.user ? [`User=${o.user}`] : []),
    'StandardOutput=journal',
    'StandardError=journal',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export interface ServiceUnitOptions {
  name: string;
  command: string[];
  watchdogSec: number;
  /** The service's whole shutdown budget (HOLDFAST_TERMINATION_GRACE_MS); TimeoutStopSec adds 5 s. */
  graceMs: number;
  /** ListenStream= of a socket unit (socket activation through LISTEN_FDS), if any. */
  listen?: string;
  workingDirectory?: string;
  user?: string;
}

/** The service unit, and its socket unit when `listen` is given. */
export function serviceUnits(o: ServiceUnitOptions): { service: string; socket?: string } {
  const service = [
    '[Unit]',
    `Description=${o.name} (holdfast service)`,
    `${DOCS}/service.md`,
    ...(o.listen ? [`Requires=${o.name}.socket`, `After=${o.name}.socket network-online.target`] : ['After=network-online.target']),
    'Wants=network-online.target',
    '',
    '[Service]',
    ...notifyLines(o.watchdogSec),
    `ExecStart=${o.command.map(quote).join(' ')}`,
    ...(o.workingDirectory ? [`WorkingDirectory=${o.workingDirectory}`] : []),
    `Environment=HOLDFAST_TERMINATION_GRACE_MS=${o.graceMs}`,
    'Restart=on-failure',
    'RestartSec=1s',
    // The service drains on SIGTERM within its grace period; the whole cgroup is swept after it.
    'KillMode=mixed',
    `TimeoutStopSec=${Math.ceil(o.graceMs / 1000) + 5}`,
    ...(o.user ? [`User=${o.user}`] : []),
    'StandardOutput=journal',
    'StandardError=journal',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  if (!o.listen) return { service };
  const socket = [
    '[Unit]',
    `Description=${o.name} listening socket (kept open across restarts: no connection refused)`,
    '',
    '[Socket]',
    `ListenStream=${o.listen}`,
    // The service's runtime listens on the inherited fd (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES).
    `FileDescriptorName=${o.name}`,
    'NoDelay=true',
    '',
    '[Install]',
    'WantedBy=sockets.target',
    '',
  ].join('\n');
  return { service, socket };
}

/** The command's program as an absolute path (systemd-analyze verify and older systemd want one). */
export function resolveProgram(argv0: string, path = process.env.PATH ?? ''): string {
  if (isAbsolute(argv0)) return argv0;
  if (argv0.includes('/')) return resolve(argv0);
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, argv0);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new UsageError(`--command: '${argv0}' is not on the PATH (${path}); give its absolute path`);
}

/** A ListenStream value: a port, host:port, [v6]:port or an absolute unix socket path. */
export function checkListen(value: string): string {
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535) return value;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d+)$/.exec(value);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 65535) return value;
  if (value.startsWith('/')) return value;
  throw new UsageError(`--listen takes a port (8080), host:port (127.0.0.1:8080) or an absolute unix socket path, not '${value}'`);
}
