// Runs the signal sampler exactly while the loaded rules need signals (system protection or a
// memory-adaptive flow rule), and restarts it when its interval or CPU allowance changes.
import type { SheddingEvent } from '../events.ts';
import type { NormalizedRules } from '../rules/validate.ts';
import type { SystemProtection } from './protection.ts';
import { SignalSampler } from './sampler.ts';
import type { SignalReadings, SystemSignals } from './signals.ts';

export interface SamplingOptions {
  autoSample?: boolean;
  cpuCores?: number;
  memoryLimitBytes?: number;
  cgroupRoot?: string;
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

  configure(rules: NormalizedRules): void {
    if (this.options.autoSample === false) return;
    const needs = rules.system !== null || rules.flow.some((r) => r.strategy === 'memoryAdaptive');
    const intervalMs = rules.system?.sampleIntervalMs ?? 1000;
    const cpuCores = rules.system?.cpuCores ?? this.options.cpuCores;
    const key = `${intervalMs}/${cpuCores}`;
    if (this.sampler && (!needs || key !== this.key)) this.stop();
    if (needs && !this.sampler) {
      this.sampler = new SignalSampler({ intervalMs, cpuCores, memoryLimitBytes: this.options.memoryLimitBytes, cgroupRoot: this.options.cgroupRoot });
      this.key = key;
      this.sampler.start(this.onSample);
    }
  }

  stop(): void {
    this.sampler?.stop();
    this.sampler = null;
  }
}

/**
 * One control step: folds `readings` (plus the inbound statistics of `system`) into the
 * smoothed signals and lets system protection adjust its level. Returns the shedding event when
 * protection armed or disarmed, else null.
 */
export function controlStep(system: SystemProtection | null, signals: SystemSignals, readings: SignalReadings, now: number): SheddingEvent | null {
  const all = system ? { ...readings, ...system.inboundReadings(now) } : readings;
  signals.update(all, system?.rule.smoothing ?? 0.5, now, system?.rule.attack ?? 0.5);
  if (!system) return null;
  const before = system.level;
  system.update(now);
  if ((before === 0) === (system.level === 0)) return null;
  return { shedding: system.level > 0, level: system.level, pressure: system.pressure, signal: system.worstSignal };
}
