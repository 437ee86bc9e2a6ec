// The `notify` module: tells a process supervisor (NOTIFY_FD or an IPC channel) when this
// instance first turns READY. Nothing happens without one, so a service run by hand is unaffected.
import type { ServiceModule } from '../module.ts';
import { notifyOnFirstServing } from './supervisor-notify.ts';

export const notifyModule: ServiceModule<'notify'> = {
  name: 'notify',
  dependencies: [],
  install(ctx) {
    ctx.lifecycle.onChange(notifyOnFirstServing(ctx.logger));
    return { api: undefined };
  },
};
