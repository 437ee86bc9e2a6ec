// The `notify` module: tells a process supervisor when this instance first turns READY — the
// holdfast supervisor (NOTIFY_FD or an IPC channel) or systemd (NOTIFY_SOCKET: READY, STATUS,
// STOPPING and the watchdog pings). Nothing happens without one, so a service run by hand is
// unaffected.
import type { ServiceModule } from '../module.ts';
import { notifyOnFirstServing } from './supervisor-notify.ts';
import { systemdNotify } from './systemd.ts';

export const notifyModule: ServiceModule<'notify'> = {
  name: 'notify',
  dependencies: [],
  install(ctx) {
    ctx.lifecycle.onChange(notifyOnFirstServing(ctx.logger));
    const systemd = systemdNotify(ctx.logger, ctx.lifecycle);
    return {
      api: undefined,
      listening() {
        systemd?.listening(`${ctx.options.host}:${ctx.options.port}`);
      },
    };
  },
};
