// @holdfast/supervisor/client: the control API's client and its types, and nothing of the
// daemon. What a process that talks to a supervisor without being one imports: the failover
// agent's `program` resource and its signal forwarding (DESIGN: failover reaches the supervisor
// through its client only, and this subpath is how that rule shows in the import path).
export { SupervisorClient, supervisorControl, type ClientOptions, type LogOptions, type ProgramControl } from './api/client.ts';
export { findDaemon, clientFor, type FindOptions } from './api/find-daemon.ts';
export type {
  ActionOptions,
  ActionResult,
  InstanceStatus,
  ReloadResult,
  StatusReport,
  GuardStatus,
  GuardInstanceStatus,
  GuardRuleStatus,
  SupervisorEvent,
  UpdateResult,
} from './api/types.ts';
export { SupervisorError, supervisorErrors, type SupervisorErrorCode } from './errors.ts';
// The incident loop's client: the failover agent forwards its events as signals through it.
export { IncidentsClient, type IncidentQuery } from './insight/client.ts';
export type { Incident, Severity, Signal, SignalKind } from '@holdfast/insight';
