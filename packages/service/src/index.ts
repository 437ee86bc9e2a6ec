export { createService, type Service, type HealthApi, type ServiceEvents } from './service.ts';
export { serviceOptionsSchema, type ServiceOptions, type ResolvedOptions } from './options.ts';
export { ServiceError, ServiceOptionsError, errorTable, type ServiceErrorCode } from './errors.ts';
export { LIFECYCLE_STATES, transition, acceptsTraffic, type LifecycleState, type LifecycleEvent } from './lifecycle.ts';
export type { CheckFn, CheckOptions, CheckReport, CheckKind } from './health/checks.ts';
export type { StopReport } from './shutdown/drain.ts';
export type { ShutdownHook, HookResult } from './shutdown/hooks.ts';
export { shutdownBudget, type Budget } from './shutdown/budget.ts';
export { inheritedSockets, type InheritedSocket } from './http/inherited-socket.ts';
export type { FastifyInstance, FastifyReply, FastifyRequest, FastifyPluginAsync } from './fastify.ts';
// --- degradation, tracing, memory forensics ---
export { Dependency, DependencyError, type DependencyResult, type ServedBy } from './dependency/dependency.ts';
export { DEFAULT_DEPENDENCY_TIMEOUT_MS, type DependencyOptions, type FetchFn } from './dependency/options.ts';
export { RetryBudget, type RetryBudgetOptions } from './dependency/retry-budget.ts';
export type { MemoryApi, MemoryEvents } from './memory/forensics.ts';
export { ForensicsError, chooseCapture, type CaptureResult, type CaptureKind } from './memory/capture.ts';
export { HeapTrend, type TrendVerdict, type TrendOptions } from './memory/heap-trend.ts';
export { traceLogMixin } from './tracing/log-mixin.ts';
export { tracingState, type TracingState } from './tracing/state.ts';
// --- end ---
