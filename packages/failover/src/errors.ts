// Every error code of @holdfast/failover in one table: the code is stable (scripts and alerts
// match on it), the text says what happened and what to do. Add a row here rather than
// throwing an ad-hoc Error anywhere in the package.

export const failoverErrors = {
  HOLDFAST_E_NOT_LEADER: 'not the leader: this node holds no valid lease, so the action was refused',
  HOLDFAST_E_CONFIG: 'invalid failover configuration',
  HOLDFAST_E_COORDINATOR_UNREACHABLE: 'the coordinator cannot be reached',
  HOLDFAST_E_COORDINATOR: 'the coordinator rejected a request',
  HOLDFAST_E_LEASE_LOST: 'the leadership lease was lost',
  HOLDFAST_E_LOCAL_STATE: 'the local coordinator state directory is unusable',
  HOLDFAST_E_RESOURCE_TIMEOUT: 'a resource action did not finish within its timeout',
  HOLDFAST_E_RESOURCE_FAILED: 'a resource action failed',
  HOLDFAST_E_VIP_DUPLICATE: 'another host already answers for the virtual IP',
  HOLDFAST_E_FENCE: 'the fence could not be armed or petted',
  HOLDFAST_E_FENCE_HOOK: 'the fence hook failed',
  HOLDFAST_E_WATCHDOG: 'the watchdog device is unavailable',
  HOLDFAST_E_HEARTBEAT: 'a heartbeat packet was rejected',
  HOLDFAST_E_STATUS_UNREACHABLE: 'the failover agent status endpoint cannot be reached',
  HOLDFAST_E_SWITCHOVER: 'the switchover request was refused',
  HOLDFAST_E_DRILL: 'the failover drill cannot run here',
} as const;

export type FailoverErrorCode = keyof typeof failoverErrors;

/** An error of the failover package: a stable `code`, a message naming what, where and the fix. */
export class FailoverError extends Error {
  readonly code: FailoverErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: FailoverErrorCode, detail: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(`${failoverErrors[code]}: ${detail}`, options);
    this.name = 'FailoverError';
    this.code = code;
    this.details = details;
  }
}

/** Thrown by assertLeader(): the one error every resource action must let propagate. */
export class NotLeaderError extends FailoverError {
  constructor(detail: string, details: Record<string, unknown> = {}) {
    super('HOLDFAST_E_NOT_LEADER', detail, details);
    this.name = 'NotLeaderError';
  }
}

/** True for any error carrying `code` (also errors from other packages or a child process). */
export function hasCode(err: unknown, code: FailoverErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
