// Every error @holdfast/service raises or answers with, in one table: a stable code, the HTTP
// status it maps to, and a message a person can act on. The table shape and the class factory
// are holdfast's one dialect (@holdfast/config/errors).
import { errorClass, type HoldfastError } from '@holdfast/config/errors';

export const errorTable = {
  HOLDFAST_E_OPTIONS: { status: 500, message: 'invalid options to createService' },
  HOLDFAST_E_STATE: { status: 500, message: 'operation not allowed in the current lifecycle state' },
  HOLDFAST_E_INTERNAL: { status: 500, message: 'Internal Server Error' },
  HOLDFAST_E_BAD_REQUEST: { status: 400, message: 'Bad Request' },
  HOLDFAST_E_NOT_FOUND: { status: 404, message: 'Not Found' },
  HOLDFAST_E_LISTEN: { status: 500, message: 'cannot listen' },
  HOLDFAST_E_CHECK_TIMEOUT: { status: 500, message: 'health check timed out' },
  HOLDFAST_E_HOOK_TIMEOUT: { status: 500, message: 'shutdown hook timed out' },
  // Degradation, tracing and memory forensics (src/dependency, src/redis, src/tracing, src/memory).
  HOLDFAST_E_DEPENDENCY: { status: 503, message: 'a dependency failed and had no cached value or fallback to serve' },
  HOLDFAST_E_DEPENDENCY_TIMEOUT: { status: 504, message: 'a dependency call timed out' },
  HOLDFAST_E_TRACING: { status: 500, message: 'OpenTelemetry instrumentation is not in place' },
  HOLDFAST_E_UNAUTHORIZED: { status: 401, message: 'admin endpoint: missing or wrong admin token' },
  HOLDFAST_E_FORENSICS: { status: 409, message: 'heap snapshot refused' },
  // Concurrency primitives and the distributed lock (src/concurrency, src/lock).
  HOLDFAST_E_LOCK_TIMEOUT: { status: 503, message: 'a lock was not acquired in time' },
  HOLDFAST_E_LOCK_ABORTED: { status: 503, message: 'the wait for a lock was aborted' },
  HOLDFAST_E_LOCK_STATE: { status: 500, message: 'a lock was released that is not held' },
  HOLDFAST_E_LOCK_LOST: { status: 409, message: 'a distributed lock was lost (lease expired or coordinator unreachable)' },
  HOLDFAST_E_LOCK_UNAVAILABLE: { status: 503, message: 'no lock provider, or the coordinator did not answer' },
} as const;

export type ServiceErrorCode = keyof typeof errorTable;

/** Base of every error this package throws; `code` is stable and documented. */
export const ServiceError = errorClass('ServiceError', errorTable, { prefix: false });
export type ServiceError = HoldfastError<ServiceErrorCode>;

/** createService was given options it cannot use; `option` names the offending one(s). */
export class ServiceOptionsError extends ServiceError {
  readonly problems: { option: string; message: string }[];
  constructor(problems: { option: string; message: string }[]) {
    const list = problems.map((p) => `  ${p.option}: ${p.message}`).join('\n');
    super('HOLDFAST_E_OPTIONS', `${errorTable.HOLDFAST_E_OPTIONS.message}:\n${list}`);
    this.name = 'ServiceOptionsError';
    this.problems = problems;
  }
}
