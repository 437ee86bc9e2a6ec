// Test helpers for the incident engine: a manual clock (timers run when the test advances time)
// and a config with defaults filled in the way validateIncidentsConfig fills them.
import { validateIncidentsConfig, type IncidentsConfig } from '../../src/incidents/config.ts';

export class ManualClock {
  t: number;
  private timers: { at: number; fn: () => void; seq: number; cancelled: boolean }[] = [];
  private seq = 0;
  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + Math.max(0, ms), fn, seq: this.seq++, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  };
  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => !x.cancelled && x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
  }
}

/** A validated config from the YAML-shaped input (throws on issues, naming them). */
export function config(input: Record<string, unknown> = {}): IncidentsConfig {
  const v = validateIncidentsConfig(input);
  if (!v.ok) throw new Error(JSON.stringify(v.issues, null, 2));
  return v.config;
}
