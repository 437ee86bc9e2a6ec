// `holdfast gen systemd`: a unit file that runs the daemon under systemd, Type=notify: the daemon
// says READY=1 once its programs were started and pings WATCHDOG=1 from its event loop, so a
// daemon whose loop is stuck is killed and restarted (WatchdogSec=). NotifyAccess=all because
// the messages go through systemd-notify, a child (@holdfast/config/sd-notify). The daemon stops its
// programs itself, in dependency order with each program's stop signal and timeout, so systemd
// must signal only the daemon (KillMode=mixed) and wait long enough for the slowest ordered stop
// (TimeoutStopSec from the programs' stopTimeoutMs); its final SIGKILL then sweeps the whole
// cgroup, the last guarantee that nothing is left behind.
import type { ResolvedConfig } from './config/load.ts';
import { daemonArgv } from './daemon/launch.ts';
import { dependencyMap, stopWaves } from './runner/order.ts';

export interface SystemdUnitOptions {
  config: ResolvedConfig;
  /** The node binary (default: the one running now). */
  nodePath?: string;
  /** cgroup version of the target host (default: 2, what current systemd distributions run). */
  cgroupVersion?: 1 | 2;
  user?: string;
  /** Seconds added to the computed stop time (default 5). */
  marginSeconds?: number;
  /** WatchdogSec in seconds (default 30); at least 3 (the event loop pings once a second at most). */
  watchdogSec?: number;
}

/** Lines every holdfast Type=notify unit has: how readiness and the watchdog work. */
export function notifyLines(watchdogSec: number): string[] {
  return [
    'Type=notify',
    '# READY/STATUS/WATCHDOG come from systemd-notify, a child of the main process',
    'NotifyAccess=all',
    `# pinged from the event loop every ${Math.max(1, watchdogSec / 3)} s: a stuck loop is killed (SIGABRT) and restarted`,
    `WatchdogSec=${watchdogSec}s`,
  ];
}

/** Worst-case time of an ordered stop: per wave, the longest stop timeout in it, summed. */
export function orderedStopMs(config: ResolvedConfig): number {
  const waves = stopWaves(Object.keys(config.programs), dependencyMap(config.programs, config.groups), config.programs, config.groups);
  return waves.reduce((sum, wave) => sum + Math.max(0, ...wave.map((n) => config.programs[n]!.stopTimeoutMs)), 0);
}

/** One ExecStart word: % and $ escaped (systemd expands specifiers and variables), quoted when needed. */
export const quote = (s: string): string => {
  const t = s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(s) ? t : `"${t.replace(/(["\\])/g, '\\$1')}"`;
};

export function systemdUnit(o: SystemdUnitOptions): string {
  const { config } = o;
  const stopSec = Math.ceil(orderedStopMs(config) / 1000) + (o.marginSeconds ?? 5);
  // The daemon entry directly (not the CLI launcher): one process for systemd to watch.
  const exec = [o.nodePath ?? process.execPath, ...daemonArgv(config.file)].map(quote).join(' ');
  const v2 = (o.cgroupVersion ?? 2) === 2;
  return [
    '[Unit]',
    `Description=holdfast supervisor for ${config.file}`,
    'Documentation=https://github.com/holdfast/holdfast/blob/main/docs/supervisor.md',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    ...notifyLines(o.watchdogSec ?? 30),
    `ExecStart=${exec}`,
    // SIGHUP re-reads the config and applies only what changed (the same as `holdfast update`).
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=1s',
    // Only the daemon gets SIGTERM: it stops the programs in dependency order, each its own way.
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `# ${Object.keys(config.programs).length} program(s); the slowest ordered stop takes ${Math.ceil(orderedStopMs(config) / 1000)} s`,
    `TimeoutStopSec=${stopSec}`,
    v2
      ? '# cgroup v2: the daemon creates a cgroup per program under its own and writes limits there'
      : '# cgroup v1: the daemon creates its cgroups under its own in each hierarchy; Delegate keeps systemd out of them',
    'Delegate=yes',
    ...(o.user ? [`User=${o.user}`] : []),
    'StandardOutput=journal',
    'StandardError=journal',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
