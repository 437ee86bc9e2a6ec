// Public API of @holdfast/failover.
export { FailoverAgent, type AgentOptions } from './agent.ts';
export type { AgentEvent, AgentStatus, StampedEvent } from './agent-types.ts';
export {
  clusterSchema,
  loadClusterConfig,
  parseClusterConfig,
  clusterJsonSchema,
  timingFor,
  ttlFor,
  type ClusterConfig,
  type ClusterConfigInput,
} from './config.ts';
export {
  Leadership,
  type LeadershipOptions,
  type LeadershipHooks,
  type LeadershipEvent,
  type LeadershipStatus,
  type Role,
  type DemoteReason,
} from './leadership.ts';
export { resolveTiming, checkTiming, profiles, type LeadershipTiming, type ProfileName, type TimingOverrides } from './timing.ts';
export { monotonicMs, systemClock, type Clock, type Timer } from './clock.ts';
export { FailoverError, NotLeaderError, failoverErrors, hasCode, type FailoverErrorCode } from './errors.ts';
export {
  createCoordinator,
  EtcdCoordinator,
  LocalCoordinator,
  LeaseLostError,
  type Coordinator,
  type ClusterView,
  type LeaderInfo,
  type Term,
  type PreviousTerm,
  type Candidate,
  type CampaignResult,
  type KeepAliveAck,
  type SwitchoverRequest,
} from './coordinator/index.ts';
export {
  resourceBaseSchema,
  actionEnv,
  type Resource,
  type ResourceKind,
  type ResourceContext,
  type LeaderContext,
  type StopContext,
  type MonitorResult,
  type OnFailPolicy,
  type FencingToken,
} from './resources/resource.ts';
export { resourceKinds } from './resources/index.ts';
export { fenceKinds, type Fence, type FenceKind, type FenceTerm, type FenceDeps } from './fence/index.ts';
export {
  runDrill,
  drillProfiles,
  faultKinds,
  coordinatorFaultKinds,
  allFaultKinds,
  summarizeDrills,
  drillPassed,
  labUnavailable,
  sweepStale,
  type DrillOptions,
  type DrillResult,
  type DrillSummary,
  type FaultKind,
  type AgentCommand,
} from './drill/index.ts';
export {
  EventSignals,
  drillFailedSignal,
  SignalForwarder,
  signalsSchema,
  signalsTarget,
  supervisorSignalForwarder,
  describeTarget,
  type SignalsConfig,
  type SignalsTarget,
  type ForwarderStats,
  type ForwarderOptions,
  type ForwarderLog,
} from './signals/index.ts';
export { Heartbeats, type HeartbeatOptions, type PeerStatus } from './heartbeat/heartbeat.ts';
export { HealthChecks, type HealthCheckConfig, type CheckStatus } from './health.ts';
export { ResourceRunner, type ResourceStatus, type RunnerEvent } from './resource-runner.ts';
export { StatusServer, requestAgent, type StatusAuth } from './status-server.ts';
export {
  defaultStatusSocket,
  defaultStatusDir,
  describeEndpoint,
  statusAccessFor,
  clientToken,
  isLoopback,
  STATUS_TOKEN_ENV,
  type StatusEndpoint,
  type StatusAccess,
} from './status-access.ts';
export { notifySystemdAgent, agentStatus } from './systemd.ts';
