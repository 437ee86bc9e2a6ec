export { createService, type Service, type HealthApi, type ServiceEvents } from './service.ts';
export { serviceOptionsSchema, type ServiceOptions, type ResolvedOptions } from './options.ts';
export { ServiceError, ServiceOptionsError, errorTable, type ServiceErrorCode } from './errors.ts';
export { LIFECYCLE_STATES, transition, acceptsTraffic, type LifecycleState, type LifecycleEvent } from './lifecycle.ts';
export type { CheckFn, CheckOptions, CheckReport, CheckKind } from './health/checks.ts';
export type { StopReport } from './shutdown/drain.ts';
export type { ShutdownHook, HookResult } from './shutdown/hooks.ts';
export { shutdownBudget, type Budget } from './shutdown/budget.ts';
export { inheritedSockets, type InheritedSocket } from './http/inherited-socket.ts';
