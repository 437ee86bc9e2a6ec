// @holdfast/insight/rootcause: the compact metrics store, the scrape parser and the root-cause
// ranking, without the rest of insight (what the supervisor daemon loads for its `scrape:`
// section; no log miner, no incident loop).
export { parseExposition, familyOf, type ExpositionResult } from './metrics/exposition.ts';
export { RingStore, RingSeries, TargetRing, increase, seriesKey, type RingStoreOptions } from './metrics/ring-store.ts';
export { rankCauses, sum as sumFigures } from './rootcause/rank.ts';
export { assess, judgeErrors, judgeLatency, severity, DEFAULT_THRESHOLDS } from './rootcause/assess.ts';
export { formatRanking, headline } from './rootcause/text.ts';
export { buildCallGraph, endpointsIn, type CallEdge, type CallGraph, type ProgramEndpoints } from './rootcause/graph.ts';
export {
  programFigures,
  dependencyNames,
  RED_SAMPLES,
  RED_SAMPLE_NAMES,
  DEFAULT_IGNORED_ROUTES,
  FAILED_OUTCOMES,
  type ProgramFigures,
} from './rootcause/figures.ts';
export { probableCauseOf } from './rootcause/probable-cause.ts';
export type {
  RedFigures,
  LogEvidence,
  ServiceInput,
  EdgeInput,
  RankInput,
  Thresholds,
  Finding,
  FindingSignal,
  Role,
  Candidate,
  Ranking,
  ServiceView,
  Status,
  ProbableCause,
} from './rootcause/types.ts';
