// A strategy turns a baseline's level into a band: recording rules ending in a lower and an upper
// bound, and the series compared against them. One strategy per file, behind this interface.
import type { RecordingRuleSpec } from '../../rules/rule-file.ts';
import type { BaselineSpec, StrategyName } from '../types.ts';

export interface Band {
  records: RecordingRuleSpec[];
  /** The series compared against the bounds (the level, or a smoothed one). */
  compared: string;
  /** Expressions of the bounds (a recorded series, or a number); absent: no bound on that side. */
  lower?: string;
  upper?: string;
}

export interface Strategy {
  name: StrategyName;
  /** How the band is drawn, in words, with the baseline's parameters (alert descriptions). */
  explain(b: BaselineSpec): string;
  band(b: BaselineSpec): Band;
}
