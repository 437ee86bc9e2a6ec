// systemd's notify protocol (sd_notify) for every holdfast role run directly by systemd: the
// supervisor daemon, the failover agent and a service. READY=1 when up, STATUS=… as things
// change, STOPPING=1 on the way out, and WATCHDOG=1 from a timer on the event loop itself, so a
// stuck loop stops the pings and systemd (WatchdogSec=) kills and restarts the process.
//
// The transport is `systemd-notify`, run as a child per message. sd_notify is a datagram on an
// AF_UNIX SOCK_DGRAM socket, which Node cannot open (nodejs/node#30059); the native addon that
// can (unix-dgram) must be compiled against the running Node's headers, which node-gyp downloads
// from nodejs.org at install time: it cannot be built on a machine without that access, and an
// ABI change breaks it. systemd-notify ships with systemd wherever these units run; since v246
// it sends BARRIER=1 after the message and waits until the manager has read it, so the message
// is attributed to the unit even though its sender (the child) exits at once. Its sender is the
// child, not the main pid, so the units say NotifyAccess=all (docs/supervisor.md). Cost measured
// here: about 2 ms of the parent's CPU per message; pings go out every WatchdogSec/3 (≥ 1 s).
import { execFile } from 'node:child_process';

/** The watchdog timer never fires more often than this: WatchdogSec must be at least 3 ticks. */
export const WATCHDOG_MIN_TICK_MS = 1000;
/** Pings per watchdog interval: two may be late before systemd acts. */
export const WATCHDOG_PINGS_PER_INTERVAL = 3;

export type SendNotify = (socket: string, fields: string[]) => Promise<void>;

/** The real transport: one `systemd-notify` per message, waiting for its barrier. */
export const systemdNotifyTransport: SendNotify = (socket, fields) =>
  new Promise((resolve, reject) => {
    execFile('systemd-notify', fields, { env: { ...process.env, NOTIFY_SOCKET: socket }, timeout: 10_000 }, (err) =>
      err ? reject(err) : resolve(),
    );
  });

export interface NotifierOptions {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  send?: SendNotify;
  /** Told when a message could not be sent (systemd-notify missing, socket gone). */
  onError?: (err: Error, fields: string[]) => void;
}

/** Why a watchdog interval is unusable, or undefined when it is fine. */
export function watchdogProblem(watchdogMs: number): string | undefined {
  const min = WATCHDOG_MIN_TICK_MS * WATCHDOG_PINGS_PER_INTERVAL;
  if (watchdogMs >= min) return undefined;
  return (
    `a watchdog interval ` +
    `of ${watchdogMs} ms is shorter ` +
    `than ${WATCHDOG_PINGS_PER_INTERVAL} × the event loop's ` +
    `watchdog tick (${WATCHDOG_MIN_TICK_MS} ms): ` +
    `the loop pings systemd at most once per tick, so systemd would kill a healthy process; use WatchdogSec=${min / 1000}s or more`
  );
}

export class SdNotifier {
  /** The socket messages go to; undefined when not run by systemd with Type=notify. */
  readonly socket: string | undefined;
  /** WATCHDOG_USEC as ms, when the watchdog is on for this very process. */
  readonly watchdogMs: number | undefined;
  readonly #send: SendNotify;
  readonly #onError: NonNullable<NotifierOptions['onError']>;
  #queue: Promise<void> = Promise.resolve();
  #pingInFlight = false;
  #lastStatus: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  sent = 0;

  constructor(o: NotifierOptions = {}) {
    const env = o.env ?? process.env;
    const pid = o.pid ?? process.pid;
    const socket = env.NOTIFY_SOCKET;
    this.socket = socket && (socket.startsWith('/') || socket.startsWith('@')) ? socket : undefined;
    const usec = Number(env.WATCHDOG_USEC);
    // WATCHDOG_PID names the process the watchdog is for (sd_watchdog_enabled): not a child's.
    const forUs = env.WATCHDOG_PID === undefined || env.WATCHDOG_PID === '' || Number(env.WATCHDOG_PID) === pid;
    this.watchdogMs = this.socket && forUs && Number.isFinite(usec) && usec > 0 ? usec / 1000 : undefined;
    this.#send = o.send ?? systemdNotifyTransport;
    this.#onError = o.onError ?? (() => {});
  }

  get enabled(): boolean {
    return this.socket !== undefined;
  }

  /** Sends the fields in order, one message at a time. */
  notify(...fields: string[]): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.resolve();
    const clean = fields.map((f) => f.replace(/\n/g, ' '));
    this.#queue = this.#queue.then(() =>
      this.#send(socket, clean).then(
        () => void this.sent++,
        (err: Error) => this.#onError(err, clean),
      ),
    );
    return this.#queue;
  }

  ready(status?: string): Promise<void> {
    return this.notify('READY=1', ...(status ? [`STATUS=${status}`] : []));
  }

  /** STATUS=…, sent only when it changed. */
  status(text: string): Promise<void> {
    if (text === this.#lastStatus) return Promise.resolve();
    this.#lastStatus = text;
    return this.notify(`STATUS=${text}`);
  }

  /** STOPPING=1. The watchdog keeps pinging: a drain that hangs should still be caught (the timer is unref'd). */
  stopping(status?: string): Promise<void> {
    return this.notify('STOPPING=1', ...(status ? [`STATUS=${status}`] : []));
  }

  /**
   * Pings WATCHDOG=1 from a timer on this event loop every max(WatchdogSec / 3, 1 s): a loop that
   * is stuck runs no timer, so the pings stop and systemd acts. `healthy`, when given, is asked
   * each tick; a false answer skips the ping (the process is alive but not doing its job).
   * Returns a problem message when WATCHDOG_USEC is too short to be met (pings go out anyway).
   */
  startWatchdog(healthy?: () => boolean): string | undefined {
    if (this.watchdogMs === undefined || this.#timer) return undefined;
    const period = Math.max(WATCHDOG_MIN_TICK_MS, this.watchdogMs / WATCHDOG_PINGS_PER_INTERVAL);
    const ping = () => {
      if (this.#pingInFlight || (healthy && !healthy())) return;
      this.#pingInFlight = true;
      void this.notify('WATCHDOG=1').finally(() => (this.#pingInFlight = false));
    };
    ping();
    this.#timer = setInterval(ping, period);
    this.#timer.unref();
    return watchdogProblem(this.watchdogMs);
  }

  stopWatchdog(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The variables a child must not inherit: its notifications would be taken for ours. */
  static readonly variables = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;
}
