// What the daemon needs to know about the log miner before loading it (this file imports
// nothing): whether any program is mined, the section's defaults, and the API path it serves.
import type { ResolvedConfig } from '../config/load.ts';

export const PATTERNS_PATH = '/v1/patterns';

/** The `mining:` section's defaults (mining-config.ts validates the section against the same values). */
export const MINING_DEFAULTS = Object.freeze({ enabled: true, cpuShare: 0.25, metricsTemplates: 20, saveEvery: 60_000, defaults: {} });

export type MiningSettings = NonNullable<ResolvedConfig['mining']>;

export function miningSettings(resolved: ResolvedConfig): MiningSettings {
  return resolved.mining ?? (MINING_DEFAULTS as unknown as MiningSettings);
}

/** Whether any program of `resolved` is mined (the daemon loads the miner only then). */
export function miningWanted(resolved: ResolvedConfig): boolean {
  const enabled = miningSettings(resolved).enabled;
  return Object.values(resolved.programs).some((p) => (p.mining === undefined ? enabled : p.mining !== false));
}
