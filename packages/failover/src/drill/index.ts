// Failover drills: a 3-node cluster in network namespaces, a fault, and the measurements.
export { runDrill, type DrillOptions, type DrillResult, type Poll } from './drill.ts';
export {
  drillProfiles,
  faultKinds,
  coordinatorFaultKinds,
  allFaultKinds,
  revokeOverlapBoundMs,
  drillNet,
  type DrillProfile,
  type FaultKind,
} from './profiles.ts';
export { defaultAgentCommand, type AgentCommand, type DrillAgentKind } from './cluster.ts';
export { labUnavailable, sweepStale, NetnsLab, type LabHost } from './netns.ts';
export { leadershipWindows, overlappingWindows, overlapMs, tokensIncrease, type TimedEvent, type Window } from './windows.ts';
export { summarizeDrills, drillPassed, type DrillSummary } from './summary.ts';
