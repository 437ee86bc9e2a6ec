// Every error code of @holdfast/supervisor in one table: the code is stable (scripts, the CLI
// and the failover agent match on it), the status is what the control API answers with, the
// text says what happened; the detail passed at the throw site says where and what to do. Add a
// row here rather than throwing an ad-hoc Error. The table shape, the class factory and hasCode
// are holdfast's one dialect (@holdfast/config/errors, no dependencies: the daemon stays small).
import { errorClass, hasCode, type HoldfastError } from '@holdfast/config/errors';

export const supervisorErrors = {
  HOLDFAST_E_CONFIG: { status: 400, message: 'invalid supervisor configuration' },
  HOLDFAST_E_CONFIG_FORMAT: { status: 400, message: 'unsupported configuration format' },
  HOLDFAST_E_LOCKED: { status: 400, message: 'another supervisor daemon already runs this configuration' },
  HOLDFAST_E_SOCKET_IN_USE: { status: 400, message: 'the control socket is already served by another daemon' },
  HOLDFAST_E_SOCKET_PATH: { status: 400, message: 'the control socket path is unusable' },
  HOLDFAST_E_STATE_DIR: { status: 400, message: 'the state directory is unusable' },
  // Raised by the client only: no daemon answered.
  HOLDFAST_E_DAEMON_UNREACHABLE: { status: 503, message: 'the supervisor daemon cannot be reached' },
  HOLDFAST_E_UNAUTHORIZED: { status: 401, message: 'the control API refused the request: missing or wrong bearer token' },
  HOLDFAST_E_BAD_REQUEST: { status: 400, message: 'the control API rejected the request' },
  HOLDFAST_E_UNKNOWN_PROGRAM: { status: 404, message: 'no such program, instance or group' },
  HOLDFAST_E_SPAWN: { status: 400, message: 'the program could not be started' },
  HOLDFAST_E_ENV_REFUSED: { status: 403, message: 'the start request sets environment the program does not allow' },
  HOLDFAST_E_USER: { status: 400, message: 'the user or group of a program does not exist' },
  HOLDFAST_E_CGROUP: { status: 400, message: 'a cgroup operation failed' },
  HOLDFAST_E_LOG: { status: 404, message: 'a log file cannot be read' },
  // The daemon's answer to an error it has no code for; the client's for an answer it cannot read.
  HOLDFAST_E_API: { status: 500, message: 'the control API answered with an error' },
  HOLDFAST_E_PORT_IN_USE: { status: 409, message: 'a listening port of a program is already in use' },
  HOLDFAST_E_LISTEN: { status: 400, message: 'a listening socket of a program could not be opened' },
  HOLDFAST_E_NOT_RUNNING: { status: 409, message: 'the program is not running' },
  HOLDFAST_E_BUSY: { status: 409, message: 'another action on the program is under way' },
  HOLDFAST_E_RELOAD_FAILED: { status: 400, message: 'the rolling reload stopped: a new instance did not become ready' },
  HOLDFAST_E_INCIDENTS_OFF: { status: 404, message: "the incident loop is off: the config has no 'incidents:' section" },
  HOLDFAST_E_MINING_OFF: { status: 409, message: 'the program is not mined (programs.<name>.mining: false, or mining.enabled: false)' },
  HOLDFAST_E_UNKNOWN_INCIDENT: { status: 404, message: 'no such incident' },
  HOLDFAST_E_INCIDENT_STATE: { status: 409, message: 'the incident is not in a state that allows this' },
  HOLDFAST_E_KNOWLEDGE: { status: 422, message: 'the knowledge base was not changed' },
  HOLDFAST_E_DASHBOARD_OFF: { status: 404, message: "the dashboard is off: the config has no 'dashboard:' section" },
  HOLDFAST_E_CSRF: { status: 403, message: 'the dashboard refused a change without its CSRF token' },
  HOLDFAST_E_RULES_CHANGED: { status: 409, message: 'the rules file changed since the page read it' },
} as const;

export type SupervisorErrorCode = keyof typeof supervisorErrors;

/** An error of the supervisor package: a stable `code`, a message naming what, where and the fix. */
export const SupervisorError = errorClass('SupervisorError', supervisorErrors, { prefix: true });
export type SupervisorError = HoldfastError<SupervisorErrorCode>;

/** True for any error carrying `code` (also errors rebuilt from an API answer). */
export { hasCode };
