// A service run directly by systemd (Type=notify): READY=1 when it first serves, STATUS= on each
// lifecycle change, STOPPING=1 when it drains, and WATCHDOG=1 from a timer on the event loop (a
// stuck loop stops the pings; WatchdogSec= then restarts it). Does nothing without NOTIFY_SOCKET.
import type { Logger } from 'pino';
import { SdNotifier } from '@holdfast/config/sd-notify';
import type { LifecycleView } from '../module.ts';

export interface SystemdNotify {
  /** Once the server listens: starts the watchdog pings. */
  listening(url: string): void;
}

export function systemdNotify(log: Logger, lifecycle: LifecycleView, env: NodeJS.ProcessEnv = process.env): SystemdNotify | undefined {
  const n = new SdNotifier({
    env,
    onError: (err, fields) =>
      log.warn({ err: { message: err.message }, fields }, `could not notify systemd (${fields.join(' ')}): ${err.message}`),
  });
  if (!n.enabled) return undefined;
  // Programs this service starts must not notify systemd in its name.
  for (const v of SdNotifier.variables) delete env[v];
  let url = '';
  let ready = false;
  lifecycle.onChange((state) => {
    if (!ready && (state === 'READY' || state === 'DEGRADED')) {
      ready = true;
      void n.ready(`${state}: serving on ${url}`);
    } else if (state === 'DRAINING') void n.stopping('draining: finishing the requests in flight');
    else void n.status(`${state}${url ? ` on ${url}` : ''}`);
  });
  return {
    listening(at) {
      url = at;
      const problem = n.startWatchdog();
      if (problem) log.error({ watchdogMs: n.watchdogMs }, problem);
      else if (n.watchdogMs !== undefined) log.info({ watchdogMs: n.watchdogMs }, 'systemd watchdog: pinging from the event loop');
    },
  };
}
