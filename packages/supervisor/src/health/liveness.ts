// The liveness watchdog: probes every periodMs, and after failureThreshold failures in a row
// reports the program unhealthy once (the runner then restarts it).
import type { LivenessConfig } from '../config/schema.ts';
import { httpProbe, tcpProbe, type Probe } from './probes.ts';

export class LivenessWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private readonly probe: Probe;
  private readonly cfg: LivenessConfig;
  private readonly onUnhealthy: (detail: string) => void;
  lastError: string | undefined;

  constructor(cfg: LivenessConfig, port: number | undefined, onUnhealthy: (detail: string) => void) {
    this.cfg = cfg;
    this.onUnhealthy = onUnhealthy;
    this.probe = cfg.http !== undefined ? httpProbe(cfg.http, undefined, cfg.timeoutMs) : tcpProbe(cfg.host, port!, cfg.timeoutMs);
  }

  start(): void {
    this.schedule(this.cfg.initialDelayMs || this.cfg.periodMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.probe();
      this.failures = 0;
      this.lastError = undefined;
    } catch (err) {
      this.failures++;
      this.lastError = (err as Error).message;
      if (this.failures >= this.cfg.failureThreshold && !this.stopped) {
        this.stopped = true;
        this.onUnhealthy(`${this.failures} liveness probes failed in a row; last: ${this.lastError}`);
        return;
      }
    }
    this.schedule(this.cfg.periodMs);
  }
}
