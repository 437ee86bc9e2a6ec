// The states of one supervised process and what moves it between them. Data only: the
// transition function lives in machine.ts, the I/O that carries out effects in the runner.
import type { Autorestart, BackoffConfig } from '../config/schema.ts';

export const PROCESS_STATES = ['STOPPED', 'STARTING', 'READY', 'BACKOFF', 'STOPPING', 'EXITED', 'FATAL'] as const;
export type ProcessStateName = (typeof PROCESS_STATES)[number];

/** Why a process last ended. */
export type ExitReason =
  | 'exited' // it exited on its own with a code
  | 'signal' // a signal we did not send killed it
  | 'oom' // the kernel's OOM killer (cgroup memory limit)
  | 'heap-limit' // V8 ran out of its heap (--max-old-space-size) and aborted: a leak caught inside the limit
  | 'memory-limit' // the polled memory fallback found it past its limit
  | 'liveness' // the liveness probe failed its threshold
  | 'ready-timeout' // no readiness proof in time
  | 'spawn-error' // it could not be started at all
  | 'stopped' // we stopped it, and it went on the stop signal
  | 'stop-timeout'; // we stopped it, and had to SIGKILL it after stopTimeoutMs

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  reason: ExitReason;
  at: number;
  detail?: string;
}

/** What happens once the process being stopped has exited. */
export type AfterStop = 'stay-stopped' | 'start' | 'recover';

export interface ProcState {
  state: ProcessStateName;
  /** Clock time the current state was entered. */
  since: number;
  pid?: number;
  startedAt?: number;
  readyAt?: number;
  /** Failed starts in a row (exit, or no proof, before READY); FATAL past startRetries. */
  failedStarts: number;
  /** Crashes in a row (the backoff level); back to zero after resetAfterMs READY. */
  crashStreak: number;
  /** Restarts since the daemon started (automatic and manual). */
  restarts: number;
  oomKills: number;
  lastExit?: ExitInfo;
  fatalReason?: string;
  /** While STOPPING: why, and what comes next. */
  stopReason?: ExitReason;
  afterStop?: AfterStop;
  /** While STOPPING: set once we escalated to SIGKILL. */
  killedAt?: number;
  /** While STOPPING on the way to a recovery: the state it was stopped from. */
  stoppedFrom?: ProcessStateName;
  /** While BACKOFF: when the next start is due. */
  retryAt?: number;
}

export type TimerName = 'backoff' | 'ready' | 'stop';

export type ProcEvent =
  | { type: 'start'; manual: boolean }
  | { type: 'stop' }
  | { type: 'restart' }
  | { type: 'spawned'; pid: number }
  /** `code`: the errno name (EAGAIN, ENOENT, ...) when the system gave one; SPAWN_ERRORS decides what it means. */
  | { type: 'spawnFailed'; error: string; code?: string }
  | { type: 'ready' }
  | { type: 'exit'; code: number | null; signal: string | null; oom: boolean; heapLimit?: boolean; detail?: string }
  | { type: 'timer'; timer: TimerName }
  | { type: 'unhealthy'; reason: 'liveness' | 'memory-limit'; detail: string };

export type ProcEventType = ProcEvent['type'];
export const PROC_EVENT_TYPES: readonly ProcEventType[] = [
  'start',
  'stop',
  'restart',
  'spawned',
  'spawnFailed',
  'ready',
  'exit',
  'timer',
  'unhealthy',
];

export type Effect =
  | { type: 'spawn' }
  /** Send a signal to the process group. */
  | { type: 'signal'; signal: NodeJS.Signals }
  /** SIGKILL the process group and every pid left in its cgroup. */
  | { type: 'kill' }
  | { type: 'setTimer'; timer: TimerName; ms: number }
  | { type: 'clearTimer'; timer: TimerName }
  | { type: 'watchReady' }
  | { type: 'unwatchReady' }
  | { type: 'watchHealth' }
  | { type: 'unwatchHealth' };

/**
 * What a spawn error means. `retry`: the machine is short of something that comes back (process
 * slots, descriptors, memory, a binary being replaced): back off and try again for as long as it
 * lasts (the program never ran, so the retry limit does not count it). `fatal`: trying again
 * cannot help (a missing binary or cwd, no permission): FATAL at once, no restart loop. A code not
 * listed here retries.
 */
export const SPAWN_ERRORS: Readonly<Record<string, 'retry' | 'fatal'>> = {
  EAGAIN: 'retry', // fork: the process or thread limit (RLIMIT_NPROC, pids.max, kernel.threads-max)
  EMFILE: 'retry', // this daemon's descriptor limit (pipes for the child's stdio)
  ENFILE: 'retry', // the system-wide file table
  ENOMEM: 'retry', // fork could not copy the page tables
  ENOSPC: 'retry', // no room for a pipe or a pid (kernel.pid_max)
  ETXTBSY: 'retry', // the binary is being written (a deploy in progress)
  EBUSY: 'retry',
  EINTR: 'retry',
  ENOENT: 'fatal', // no such binary or cwd
  EACCES: 'fatal', // not executable, or a directory on the way is not searchable
  EPERM: 'fatal', // setuid/setgid refused: the daemon may not run the program as that user
  ENOTDIR: 'fatal',
  EISDIR: 'fatal',
  ENOEXEC: 'fatal', // not a format the kernel can run (no #! line)
  ELOOP: 'fatal',
  ENAMETOOLONG: 'fatal',
  E2BIG: 'fatal', // argv and environment too large
  EINVAL: 'fatal',
};

export function spawnErrorKind(code: string | undefined): 'retry' | 'fatal' {
  // No code: a preflight finding (missing binary or cwd) or an argument Node refused: fatal.
  if (code === undefined) return 'fatal';
  return SPAWN_ERRORS[code] ?? 'retry';
}

/** The part of a program's config the state machine decides with. */
export interface Policy {
  autorestart: Autorestart;
  exitCodes: readonly number[];
  startRetries: number;
  backoff: BackoffConfig;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /** Longest wait for a readiness proof; undefined when readiness is a timer itself. */
  readyTimeoutMs?: number;
}

export interface MachineContext {
  now: number;
  policy: Policy;
  /** A number in [0, 1): the jitter source (tests pass a fixed one). */
  random: () => number;
}

export interface Transition {
  next: ProcState;
  effects: Effect[];
}

export function initialState(now: number): ProcState {
  return { state: 'STOPPED', since: now, failedStarts: 0, crashStreak: 0, restarts: 0, oomKills: 0 };
}
