// One control step of system protection, run on every signal sample: fold the readings (and
// the inbound statistics) into the smoothed signals, then let the checker adjust its level.
import type { SignalReadings, SystemSignals } from '../signals/signals.ts';
import type { SystemChecker } from './checker.ts';

export interface SheddingEvent {
  /** True when system protection starts shedding (level rises above 0), false when it stops. */
  shedding: boolean;
  level: number;
  pressure: number;
  signal: string | null;
}

/** Returns the shedding event when protection armed or disarmed, else null. */
export function controlStep(
  system: SystemChecker | null,
  signals: SystemSignals,
  readings: SignalReadings,
  now: number,
): SheddingEvent | null {
  const all = system ? { ...readings, ...system.inboundReadings(now) } : readings;
  signals.update(all, system?.rule.smoothing ?? 0.5, now, system?.rule.attack ?? 0.5);
  if (!system) return null;
  const before = system.level;
  system.update(now);
  if ((before === 0) === (system.level === 0)) return null;
  return { shedding: system.level > 0, level: system.level, pressure: system.pressure, signal: system.worstSignal };
}
