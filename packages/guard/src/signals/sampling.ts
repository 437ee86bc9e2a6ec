// Runs the signal sampler exactly while the loaded rules need signals (system protection or a
// memory-adaptive flow rule), and restarts it when its interval or CPU allowance changes.
import { SignalSampler } from './sampler.ts';
import type { SignalReadings } from './signals.ts';

export interface SamplingOptions {
  autoSample?: boolean;
  cpuCores?: number;
  memoryLimitBytes?: number;
  cgroupRoot?: string;
}

/** What the loaded rules ask of the sampler. */
export interface SamplingNeed {
  needed: boolean;
  intervalMs: number;
  /** The rules' CPU allowance, over the guard's option. */
  cpuCores?: number;
}

export class Sampling {
  private sampler: SignalSampler | null = null;
  private key = '';
  private readonly options: SamplingOptions;
  private readonly onSample: (readings: SignalReadings) => void;

  constructor(options: SamplingOptions, onSample: (readings: SignalReadings) => void) {
    this.options = options;
    this.onSample = onSample;
  }

  configure(need: SamplingNeed): void {
    if (this.options.autoSample === false) return;
    const cpuCores = need.cpuCores ?? this.options.cpuCores;
    const key = `${need.intervalMs}/${cpuCores}`;
    if (this.sampler && (!need.needed || key !== this.key)) this.stop();
    if (need.needed && !this.sampler) {
      this.sampler = new SignalSampler({
        intervalMs: need.intervalMs,
        cpuCores,
        memoryLimitBytes: this.options.memoryLimitBytes,
        cgroupRoot: this.options.cgroupRoot,
      });
      this.key = key;
      this.sampler.start(this.onSample);
    }
  }

  stop(): void {
    this.sampler?.stop();
    this.sampler = null;
  }
}
