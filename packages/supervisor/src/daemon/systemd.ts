// The daemon under systemd (Type=notify, `holdfast gen systemd -c`): READY=1 once the programs
// were started, STATUS= with the count of programs per state as they change, STOPPING=1 when it
// shuts down, and WATCHDOG=1 from a timer on the daemon's event loop: a daemon whose loop is
// stuck stops pinging, and WatchdogSec= restarts it (the programs' cgroups are reaped at start).
import { SdNotifier } from '@holdfast/config/sd-notify';
import type { Logger } from '../logger.ts';
import type { Supervisor } from '../runner/supervisor.ts';

export interface DaemonNotify {
  stopping(): void;
}

/** The STATUS line: "3 programs: 2 READY, 1 BACKOFF". */
export function statusLine(supervisor: Supervisor): string {
  const counts = new Map<string, number>();
  const all = supervisor.status();
  for (const i of all) counts.set(i.state, (counts.get(i.state) ?? 0) + 1);
  const parts = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([state, n]) => `${n} ${state}`);
  return `${all.length} instance${all.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

export function notifySystemd(supervisor: Supervisor, log: Logger, env: NodeJS.ProcessEnv = process.env): DaemonNotify | undefined {
  const n = new SdNotifier({
    env,
    onError: (err, fields) => log.warn({ err: err.message, fields }, `could not notify systemd: ${err.message}`),
  });
  if (!n.enabled) return undefined;
  void n.ready(statusLine(supervisor));
  const onEvent = (e: { type: string }) => {
    if (e.type === 'state') void n.status(statusLine(supervisor));
  };
  supervisor.on('event', onEvent);
  const problem = n.startWatchdog();
  if (problem) log.error({ watchdogMs: n.watchdogMs }, problem);
  else if (n.watchdogMs !== undefined) log.info({ watchdogMs: n.watchdogMs }, 'systemd watchdog: pinging from the event loop');
  return {
    stopping() {
      supervisor.off('event', onEvent);
      void n.stopping('stopping every program');
    },
  };
}
