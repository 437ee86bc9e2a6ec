// @holdfast/insight/mining: the log miner alone (lines read as people write them, the template
// miner, the pattern-change detector, their saved state), without the incident loop. What the
// supervisor daemon loads to mine its programs' output: every module here costs it resident
// memory for months.
export { InsightError, formatIssues, type Issue } from './errors.ts';
export {
  MinerStream,
  ProgramMiner,
  validateProgramMinerOptions,
  type MinedEvent,
  type ProgramMinerOptions,
  type ProgramMinerState,
  type ProgramMinerStats,
} from './mining/program.ts';
export { validateDetectorOptions, type DetectorOptions, type PatternDetector, type PatternSignal } from './mining/detector.ts';
export type { Template } from './mining/template.ts';
export { levelName } from './lines/levels.ts';
export type { LogEvent } from './lines/event.ts';
