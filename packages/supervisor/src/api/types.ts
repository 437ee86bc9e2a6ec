// What the control API speaks, shared by the daemon and the typed client.
import type { ConfigIssue } from '@holdfast/config';

export type { ConfigIssue };
import type { ConfigDiff } from '../runner/diff.ts';
import type { ExitReason, ProcessStateName } from '../state/states.ts';

export interface ExitSummary {
  code: number | null;
  signal: string | null;
  reason: ExitReason;
  at: string;
  detail?: string;
}

export interface LogStreamStatus {
  file: string | null;
  droppedBytes: number;
  error: string | null;
}

export interface InstanceStatus {
  id: string;
  program: string;
  index: number;
  group: string | null;
  state: ProcessStateName;
  pid: number | null;
  since: string;
  startedAt: string | null;
  readyAt: string | null;
  uptimeMs: number | null;
  restarts: number;
  failedStarts: number;
  oomKills: number;
  lastExit: ExitSummary | null;
  fatalReason: string | null;
  retryAt: string | null;
  /** Programs this one waits for before it starts (dependsOn not READY yet). */
  waitingFor: string[];
  cpuPercent: number | null;
  cpuSeconds: number | null;
  memoryBytes: number | null;
  logs: { stdout: LogStreamStatus; stderr: LogStreamStatus };
  notifyStatus: string | null;
}

export interface CgroupStatus {
  enabled: boolean;
  version: 1 | 2 | null;
  description: string | null;
  /** Why cgroups are not used (and memory limits are polled instead). */
  reason: string | null;
}

export interface DaemonStatus {
  pid: number;
  version: string;
  config: string;
  id: string;
  startedAt: string;
  uptimeMs: number;
  socket: string;
  rssBytes: number;
  heapUsedBytes: number;
  cgroups: CgroupStatus;
  warnings: string[];
}

export interface StatusReport {
  daemon: DaemonStatus;
  programs: InstanceStatus[];
}

export interface ActionResult {
  instances: InstanceStatus[];
  /** Instances that had not settled (READY, EXITED, FATAL, STOPPED) when the wait ended. */
  timedOut: string[];
}

export interface UpdateResult extends ConfigDiff {
  warnings: string[];
}

export type SupervisorEvent =
  | { type: 'state'; instance: string; program: string; from: ProcessStateName; to: ProcessStateName; at: string; pid: number | null; lastExit: ExitSummary | null; fatalReason: string | null }
  | { type: 'oom'; instance: string; program: string; kills: number; at: string }
  | { type: 'update'; at: string; result: UpdateResult }
  | { type: 'shutdown'; at: string };

export interface ApiErrorBody {
  error: { code: string; message: string; issues?: ConfigIssue[] };
}

export interface ActionOptions {
  /** Wait until each instance settles (default true). */
  wait?: boolean;
  timeoutMs?: number;
}
