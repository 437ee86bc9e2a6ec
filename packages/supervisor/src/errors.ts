// Every error code of @holdfast/supervisor in one table: the code is stable (scripts, the CLI
// and the failover agent match on it), the text says what happened; the detail passed at the
// throw site says where and what to do. Add a row here rather than throwing an ad-hoc Error.

export const supervisorErrors = {
  HOLDFAST_E_CONFIG: 'invalid supervisor configuration',
  HOLDFAST_E_CONFIG_FORMAT: 'unsupported configuration format',
  HOLDFAST_E_LOCKED: 'another supervisor daemon already runs this configuration',
  HOLDFAST_E_SOCKET_IN_USE: 'the control socket is already served by another daemon',
  HOLDFAST_E_SOCKET_PATH: 'the control socket path is unusable',
  HOLDFAST_E_STATE_DIR: 'the state directory is unusable',
  HOLDFAST_E_DAEMON_UNREACHABLE: 'the supervisor daemon cannot be reached',
  HOLDFAST_E_UNAUTHORIZED: 'the control API refused the request: missing or wrong bearer token',
  HOLDFAST_E_BAD_REQUEST: 'the control API rejected the request',
  HOLDFAST_E_UNKNOWN_PROGRAM: 'no such program, instance or group',
  HOLDFAST_E_SPAWN: 'the program could not be started',
  HOLDFAST_E_USER: 'the user or group of a program does not exist',
  HOLDFAST_E_CGROUP: 'a cgroup operation failed',
  HOLDFAST_E_LOG: 'a log file cannot be read',
  HOLDFAST_E_API: 'the control API answered with an error',
  HOLDFAST_E_PORT_IN_USE: 'a listening port of a program is already in use',
  HOLDFAST_E_LISTEN: 'a listening socket of a program could not be opened',
  HOLDFAST_E_NOT_RUNNING: 'the program is not running',
  HOLDFAST_E_BUSY: 'another action on the program is under way',
  HOLDFAST_E_RELOAD_FAILED: 'the rolling reload stopped: a new instance did not become ready',
} as const;

export type SupervisorErrorCode = keyof typeof supervisorErrors;

/** An error of the supervisor package: a stable `code`, a message naming what, where and the fix. */
export class SupervisorError extends Error {
  readonly code: SupervisorErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: SupervisorErrorCode, detail: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(`${supervisorErrors[code]}: ${detail}`, options);
    this.name = 'SupervisorError';
    this.code = code;
    this.details = details;
  }
}

/** True for any error carrying `code` (also errors rebuilt from an API answer). */
export function hasCode(err: unknown, code: SupervisorErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
