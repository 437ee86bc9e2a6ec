// Watches one process for its readiness proof: a probe loop (tcp, http), a timer (afterMs), an
// IPC `ready` message, or READY=1 on the notify fd. Messages that arrive while nobody is
// watching (before the spawn is announced, after READY) are ignored.
import type { ChildProcess } from 'node:child_process';
import type { Clock, Timer } from '../clock.ts';
import type { ReadyCheck } from '../config/schema.ts';
import { httpProbe, tcpProbe, waitForProbe } from '../health/probes.ts';

export class ReadinessWatch {
  /** The last STATUS= line the program wrote on its notify fd. */
  notifyStatus: string | undefined;
  /**
   * Where this process serves its own metrics (HOLDFAST_METRICS= on the notify fd, or metricsUrl in
   * the ready message): its own port, unlike a listening socket its instances share. The dashboard
   * reads each instance's guard state there.
   */
  metricsUrl: string | undefined;
  private watching = false;
  private abort: AbortController | undefined;
  private timer: Timer | undefined;
  private readonly check: ReadyCheck;
  private readonly clock: Clock;
  private readonly onReady: () => void;

  constructor(check: ReadyCheck, clock: Clock, onReady: () => void) {
    this.check = check;
    this.clock = clock;
    this.onReady = onReady;
  }

  /** Listens to a freshly spawned child's IPC channel or notify fd. */
  attach(child: ChildProcess): void {
    const c = this.check;
    this.metricsUrl = undefined;
    if (c.kind === 'notify') this.readNotify(child.stdio[c.fd] as NodeJS.ReadableStream | null);
    if (c.kind === 'message') {
      child.on('message', (m: unknown) => {
        // process.send('ready') (PM2's protocol), or {type: 'ready'} / {ready: true}.
        const ready =
          m === 'ready' ||
          (typeof m === 'object' &&
            m !== null &&
            ((m as { type?: unknown }).type === 'ready' || (m as { ready?: unknown }).ready === true));
        if (ready) {
          const url = typeof m === 'object' && m !== null ? (m as { metricsUrl?: unknown }).metricsUrl : undefined;
          if (typeof url === 'string' && /^http:\/\//.test(url)) this.metricsUrl = url;
          this.fire();
        }
      });
    }
  }

  start(): void {
    this.watching = true;
    const c = this.check;
    if (c.kind === 'after') {
      this.timer = this.clock.setTimeout(() => this.fire(), c.ms);
    } else if (c.kind === 'tcp' || c.kind === 'http') {
      const ac = new AbortController();
      this.abort = ac;
      const probe = c.kind === 'tcp' ? tcpProbe(c.host, Number(c.port), 1000) : httpProbe(c.url, c.expectStatus, 1000);
      void waitForProbe(probe, c.intervalMs, ac.signal).then((ok) => {
        if (ok && this.abort === ac) this.fire();
      });
    }
  }

  stop(): void {
    this.watching = false;
    this.abort?.abort();
    this.abort = undefined;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private fire(): void {
    if (this.watching) this.onReady();
  }

  private readNotify(stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    let partial = '';
    const onLine = (line: string) => {
      const l = line.trim();
      // sd_notify's READY=1, or s6's bare newline.
      if (l === '' || /(^|\s)READY=1(\s|$)/.test(l)) this.fire();
      const status = /(?:^|\s)STATUS=(.*)$/.exec(l);
      if (status) this.notifyStatus = status[1];
    };
    stream.on('data', (b: Buffer) => {
      const parts = (partial + b.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      // A runaway writer cannot grow the partial line without bound.
      if (partial.length > 4096) partial = '';
      // The metrics address first: READY=1 in the same write must find it already known.
      for (const p of parts) {
        const metrics = /^HOLDFAST_METRICS=(http:\/\/\S+)$/.exec(p.trim());
        if (metrics) this.metricsUrl = metrics[1];
      }
      for (const p of parts) onLine(p);
    });
    stream.on('error', () => {});
  }
}
