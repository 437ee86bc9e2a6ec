// The `notify` module: tells a process supervisor when this instance first turns READY — the
// holdfast supervisor (NOTIFY_FD or an IPC channel) or systemd (NOTIFY_SOCKET: READY, STATUS,
// STOPPING and the watchdog pings). Nothing happens without one, so a service run by hand is
// unaffected.
import type { ServiceModule } from '../module.ts';
import { notifyOnFirstServing, notifySupervisorReady } from './supervisor-notify.ts';
import { systemdNotify } from './systemd.ts';

export const notifyModule: ServiceModule<'notify'> = {
  name: 'notify',
  dependencies: [],
  install(ctx) {
    // Only a separate admin port is this instance's own; the main one may be a socket shared by all.
    const metricsUrl = (): string | undefined => {
      const o = ctx.options;
      if (!o.admin || !o.metrics.enabled || ctx.adminApp === ctx.app) return undefined;
      const a = ctx.adminApp.server.address();
      if (!a || typeof a !== 'object') return undefined;
      const host =
        o.admin.host === '0.0.0.0' || o.admin.host === '::' ? '127.0.0.1' : o.admin.host.includes(':') ? `[${o.admin.host}]` : o.admin.host;
      return `http://${host}:${a.port}${o.probes.metrics}`;
    };
    ctx.lifecycle.onChange(notifyOnFirstServing(ctx.logger, () => notifySupervisorReady(process.env, process, metricsUrl())));
    const systemd = systemdNotify(ctx.logger, ctx.lifecycle);
    return {
      api: undefined,
      listening() {
        systemd?.listening(`${ctx.options.host}:${ctx.options.port}`);
      },
    };
  },
};
