// Tells the process supervisor that this instance is ready, once, when the service first turns
// READY (or DEGRADED: serving). A supervisor that shares one listening socket among instances
// cannot probe "the new one" on that port (any instance may answer), so the instance says it
// itself, in the two forms the holdfast supervisor reads:
//   - NOTIFY_FD set (`ready: {notify: true}`): "READY=1\n" on that fd (sd_notify's words, s6's
//     notification-fd transport), then the fd is closed;
//   - an IPC channel from a holdfast (or PM2 `wait_ready`) parent (`ready: {message: true}`):
//     process.send('ready').
// With a separate admin port, the notice also says where this instance serves its metrics
// (HOLDFAST_METRICS=<url>, or {type: 'ready', metricsUrl}): its own port, unlike the listening
// socket it shares with its siblings, so the supervisor's dashboard can read each one.
// Nothing happens without either, so a service run by hand or by a test is unaffected.
import { closeSync, writeSync } from 'node:fs';

export type ReadyNotice = 'notify-fd' | 'ipc';

/** Sends the readiness notice the environment asks for; returns which one went, if any. */
export function notifySupervisorReady(
  env: NodeJS.ProcessEnv = process.env,
  proc: Pick<NodeJS.Process, 'send' | 'connected'> = process,
  metricsUrl?: string,
): ReadyNotice | undefined {
  const fd = Number(env.NOTIFY_FD);
  if (env.NOTIFY_FD !== undefined && Number.isInteger(fd) && fd >= 3) {
    // Children of this process must not write to the supervisor's pipe.
    delete env.NOTIFY_FD;
    try {
      writeSync(fd, metricsUrl ? `READY=1\nHOLDFAST_METRICS=${metricsUrl}\n` : 'READY=1\n');
      closeSync(fd);
      return 'notify-fd';
    } catch {
      return undefined;
    }
  }
  const supervised = env.HOLDFAST_PROGRAM !== undefined || env.pm_id !== undefined;
  if (supervised && typeof proc.send === 'function' && proc.connected) {
    proc.send(metricsUrl ? { type: 'ready', metricsUrl } : 'ready');
    return 'ipc';
  }
  return undefined;
}

/**
 * A lifecycle listener that sends the notice once, on the first READY or DEGRADED state (a
 * STARTING service is not ready; later state changes are not news to the supervisor).
 */
export function notifyOnFirstServing(
  log?: { info(obj: object, msg: string): void },
  send: () => ReadyNotice | undefined = () => notifySupervisorReady(),
): (state: string) => void {
  let done = false;
  return (state) => {
    if (done || (state !== 'READY' && state !== 'DEGRADED')) return;
    done = true;
    const sent = send();
    if (sent) log?.info({ notice: sent }, `told the supervisor this instance is ready (${sent})`);
  };
}
