// Every error code of @holdfast/failover in one table: the code is stable (scripts and alerts
// match on it), the status is what the agent's status endpoint answers with, the text says what
// happened; the detail passed at the throw site says where and what to do. Add a row here
// rather than throwing an ad-hoc Error anywhere in the package. The table shape, the class
// factory and hasCode are holdfast's one dialect (@holdfast/config/errors).
//
// Plain Errors remain only where they never leave the function that catches them: a probe's
// failure recorded as a health check's lastError text, the fence companion's parse errors sent
// back as its error reply, a secret file or an unknown resource kind wrapped at once into
// HOLDFAST_E_CONFIG or a teardown step's text, timeouts of node:http requests that the caller
// wraps (status endpoint, lease release), the etcd witness's start-up wrapped into
// HOLDFAST_E_COORDINATOR_UNREACHABLE, the drill poller's own process, and an abort reason or a
// rejection that was not an Error, normalised (this package aborts and rejects with Errors).
import { errorClass, hasCode, type HoldfastError } from '@holdfast/config/errors';

export const failoverErrors = {
  HOLDFAST_E_NOT_LEADER: { status: 500, message: 'not the leader: this node holds no valid lease, so the action was refused' },
  HOLDFAST_E_CONFIG: { status: 500, message: 'invalid failover configuration' },
  HOLDFAST_E_COORDINATOR_UNREACHABLE: { status: 500, message: 'the coordinator cannot be reached' },
  HOLDFAST_E_COORDINATOR: { status: 500, message: 'the coordinator rejected a request' },
  HOLDFAST_E_LEASE_LOST: { status: 500, message: 'the leadership lease was lost' },
  HOLDFAST_E_LOCAL_STATE: { status: 500, message: 'the local coordinator state directory is unusable' },
  HOLDFAST_E_RESOURCE_TIMEOUT: { status: 500, message: 'a resource action did not finish within its timeout' },
  HOLDFAST_E_RESOURCE_FAILED: { status: 500, message: 'a resource action failed' },
  HOLDFAST_E_VIP_DUPLICATE: { status: 500, message: 'another host already answers for the virtual IP' },
  HOLDFAST_E_FENCE: { status: 500, message: 'the fence could not be armed or petted' },
  HOLDFAST_E_FENCE_HOOK: { status: 500, message: 'the fence hook failed' },
  HOLDFAST_E_WATCHDOG: { status: 500, message: 'the watchdog device is unavailable' },
  HOLDFAST_E_HEARTBEAT: { status: 500, message: 'a heartbeat packet was rejected' },
  HOLDFAST_E_STATUS_UNREACHABLE: { status: 500, message: 'the failover agent status endpoint cannot be reached' },
  HOLDFAST_E_STATUS_TOKEN: { status: 401, message: 'the request to the agent carries no valid status token' },
  HOLDFAST_E_SWITCHOVER: { status: 409, message: 'the switchover request was refused' },
  HOLDFAST_E_DRILL: { status: 500, message: 'the failover drill cannot run here' },
  HOLDFAST_E_DRILL_FAILED: { status: 500, message: 'the failover drill did not complete' },
  // The distributed lock (lock/).
  HOLDFAST_E_LOCK_OPTIONS: { status: 500, message: 'invalid distributed lock request' },
  HOLDFAST_E_LOCK_LOST: { status: 409, message: 'the distributed lock was lost' },
  HOLDFAST_E_LOCK_TIMEOUT: { status: 503, message: 'the distributed lock was not acquired in time' },
  HOLDFAST_E_LOCK_ABORTED: { status: 503, message: 'the wait for the distributed lock was aborted' },
  // The agent's status endpoint (status-server.ts).
  HOLDFAST_E_BAD_REQUEST: { status: 400, message: 'the status endpoint cannot read the request' },
  HOLDFAST_E_NOT_FOUND: { status: 404, message: 'no such endpoint on the agent' },
  HOLDFAST_E_INTERNAL: { status: 500, message: 'the agent failed to answer' },
} as const;

export type FailoverErrorCode = keyof typeof failoverErrors;

/** An error of the failover package: a stable `code`, a message naming what, where and the fix. */
export const FailoverError = errorClass('FailoverError', failoverErrors, { prefix: true });
export type FailoverError = HoldfastError<FailoverErrorCode>;

/** Thrown by assertLeader(): the one error every resource action must let propagate. */
export class NotLeaderError extends FailoverError {
  constructor(detail: string, details: Record<string, unknown> = {}) {
    super('HOLDFAST_E_NOT_LEADER', detail, details);
    this.name = 'NotLeaderError';
  }
}

/** True for any error carrying `code` (also errors from other packages or a child process). */
export { hasCode };
