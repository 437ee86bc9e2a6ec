// The log miner's settings in the supervisor config: a top-level `mining:` section (on by default
// for every program) and a per-program `mining:` (false to opt out, or the program's own masking,
// header format and thresholds). The program options are insight's (validated by its own
// dependency-free checker inside zod, so problems come out with file, line and column like every
// other config error). Runs in the config-loading child, never in the daemon.
import { duration } from '@holdfast/config';
import { validateProgramMinerOptions, type ProgramMinerOptions } from '@holdfast/insight/mining';
import { z } from 'zod';
import { MINING_DEFAULTS } from './mining-paths.ts';

/** A program's miner options: insight's checker inside zod. */
const minerOptions = z.unknown().transform((v, ctx): ProgramMinerOptions => {
  const issues = validateProgramMinerOptions(v);
  for (const i of issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message, input: v });
  return issues.length ? z.NEVER : (v as ProgramMinerOptions);
});

/** `programs.<name>.mining`: false opts the program out; true or options opt it in. */
export const programMiningSchema = z.union([z.boolean(), minerOptions], {
  error: () => 'expected true, false, or the program’s miner options ({ header, json, logfmt, multiline, miner, detector, … })',
});

export const miningConfigSchema = z.strictObject({
  /** Mine every program's output unless it says `mining: false`; false: only programs that say `mining: true` or give options. */
  enabled: z.boolean().default(MINING_DEFAULTS.enabled),
  /**
   * The share of one CPU core the daemon spends mining, per second, for all programs together;
   * one program gets at most half of it while others write too. Output past it is shed (counted
   * in holdfast_log_shed_lines_total), never delayed. The daemon runs without an optimising
   * compiler (--lite-mode): about 20,000 lines per second of one core (docs/log-mining.md).
   */
  cpuShare: z.number().gt(0).max(1).default(MINING_DEFAULTS.cpuShare),
  /** Templates per program with their own series in holdfast_log_template_lines_total (by rate); the rest count as `other`. */
  metricsTemplates: z.number().int().min(0).max(200).default(MINING_DEFAULTS.metricsTemplates),
  /** How often the templates are written to <stateDir>/mining (also at shutdown), so ids survive a restart. */
  saveEvery: duration()
    .refine((ms) => ms >= 1000, { message: 'must be at least 1s' })
    .default(MINING_DEFAULTS.saveEvery),
  /** Options every program starts from; a program's own `mining:` options are merged over them. */
  defaults: minerOptions.default({}),
});

export type MiningConfig = z.output<typeof miningConfigSchema>;
