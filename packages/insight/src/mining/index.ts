// The log template miner's public surface (re-exported by the package entry).
export { TemplateMiner, MineResult, allowedMismatches, type Change, type MinerRuntime } from './miner.ts';
export {
  defaultMaskFlags,
  resolveMinerOptions,
  validateMinerOptions,
  type MaskFlags,
  type CustomMask,
  type MinerOptions,
  type ResolvedMinerOptions,
} from './options.ts';
export { Template } from './template.ts';
export { WILD } from './mask.ts';
export { templateId } from './ids.ts';
export { saveState, restoreState, validateState, STATE_FORMAT, STATE_VERSION, type MinerState, type SavedTemplate } from './state.ts';
export {
  PatternDetector,
  validateDetectorOptions,
  type DetectorOptions,
  type DetectorState,
  type Observation,
  type PatternSignal,
  type TemplateBurstSignal,
  type TemplateNewSignal,
} from './detector.ts';
export {
  MinerStream,
  ProgramMiner,
  parseEvent,
  validateProgramMinerOptions,
  type MinedEvent,
  type ProgramMinerOptions,
  type ProgramMinerRuntime,
  type ProgramMinerState,
  type ProgramMinerStats,
} from './program.ts';
