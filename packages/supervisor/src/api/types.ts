// What the control API speaks, shared by the daemon and the typed client.
import type { ConfigIssue } from '@holdfast/config';

export type { ConfigIssue };
import type { ConfigDiff } from '../runner/diff.ts';
import type { ExitReason, ProcessStateName } from '../state/states.ts';
import type { IncidentsStatus } from '../insight/incidents.ts';
import type { ScrapeStatus } from '../insight/daemon-scrape.ts';
import type { MiningStatus, TemplateEvent } from '../insight/mining-view.ts';

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
  /** Unique per process slot generation: the id, or `<id>~<n>` for the n-th replacement by a rolling reload. */
  key: string;
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
  /** Where this process serves its own metrics, as it told the supervisor when ready (HOLDFAST_METRICS=); null when it did not. */
  metricsUrl: string | null;
  /** During a rolling reload: 'new' for a replacement not yet in its slot, 'old' for one draining; null otherwise. */
  role: 'new' | 'old' | null;
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
  /**
   * Major GCs the daemon asked for to keep its old generation small (src/daemon/gc-pacer.ts), and
   * their wall time in ms; null when it runs without gc() (in-process, or node without --expose-gc).
   */
  gc: { runs: number; lastMs: number; totalMs: number } | null;
  cgroups: CgroupStatus;
  warnings: string[];
  /** Listening sockets the daemon holds, per program ("127.0.0.1:3000"). */
  sockets: Record<string, string[]>;
  /** The incident loop (store health, counts); absent when it is off. */
  incidents?: IncidentsStatus;
  /** The metrics store (what is read, its memory); absent without a `scrape:` section. */
  scrape?: ScrapeStatus;
  /** The dashboard (its address, open pages, history held); absent when it is off. */
  dashboard?: DashboardStatus;
  /** The log miner's totals, when some program is mined (docs/log-mining.md). */
  mining?: MiningStatus;
}

export interface DashboardStatus {
  url: string;
  pages: number;
  /** Pages disconnected because they stopped reading their event stream. */
  droppedPages: number;
  historySeries: number;
  historyBytes: number;
  /** The page's files as sent gzipped. */
  pageBytesGzip: number;
  /** CPU time the dashboard's once-a-second tick has used since the daemon started, ms. */
  tickCpuMs: number;
}

export interface StatusReport {
  daemon: DaemonStatus;
  programs: InstanceStatus[];
  /**
   * Asked for with `GET /v1/status?guard=1` (`holdfast status` does): the cluster and adaptive
   * rules of every program whose instances serve guard metrics, per instance (docs/supervisor.md).
   */
  guard?: GuardStatus[];
}

/** A program's request-protection rules that depend on more than the process: cluster rules and adaptive limits. */
export interface GuardStatus {
  program: string;
  instances: GuardInstanceStatus[];
}

export interface GuardInstanceStatus {
  id: string;
  /** Where its metrics were read. */
  url: string;
  /** When the rules below were read, and how old that was when the status was made; null before a first answer. */
  readAt: string | null;
  ageMs: number | null;
  /**
   * Why the rules are not fresh: the metrics are unreachable (`metrics unreachable: <why>`), or
   * the read had not answered when the status's short wait ended; the rules are then the last read.
   */
  error: string | null;
  /** The replicas its cluster rules count as live (what a fallback share divides the threshold by); null without cluster rules. */
  liveReplicas: number | null;
  rules: GuardRuleStatus[];
}

export interface GuardRuleStatus {
  rule: string;
  resource: string;
  /** A flow rule, or a per-key (hotspot) rule. */
  kind: 'flow' | 'hotspot';
  /** Flow rules: direct, warmUp, memoryAdaptive or adaptive; null for per-key rules. */
  strategy: string | null;
  /** local (this process alone), cluster (permits leased from the shared store), fallback (the store is down: this replica's share). */
  mode: 'local' | 'cluster' | 'fallback';
  /** Flow rules: the limit this instance enforces now: an adaptive rule's learned limit, a cluster rule's share in fallback. */
  limit: number | null;
  /** The rule's threshold: across every replica for a cluster rule (per key for a per-key one), the starting limit of an adaptive one. */
  threshold: number | null;
  /** Adaptive rules: the bounds the learned limit stays within. */
  minLimit: number | null;
  maxLimit: number | null;
}

export interface ActionResult {
  instances: InstanceStatus[];
  /** Instances that had not settled (READY, EXITED, FATAL, STOPPED) when the wait ended. */
  timedOut: string[];
}

/** What `holdfast reload <program>` did. */
export interface ReloadResult {
  program: string;
  /** True when every instance was replaced by a new one that proved it is ready. */
  ok: boolean;
  replaced: { instance: string; oldPid: number | null; newPid: number | null; readyMs: number }[];
  /** The new instance that did not become ready (the rollout stopped there), or why the rollout was aborted. */
  failed: {
    instance: string | null;
    pid: number | null;
    reason: string;
    /** The last lines the failed instance wrote (stdout and stderr), usually saying why. */
    output: string[];
  } | null;
  durationMs: number;
  /** The program's instances after the reload. */
  instances: InstanceStatus[];
}

export interface UpdateResult extends ConfigDiff {
  warnings: string[];
}

export type SupervisorEvent =
  | {
      type: 'state';
      instance: string;
      key: string;
      program: string;
      from: ProcessStateName;
      to: ProcessStateName;
      at: string;
      pid: number | null;
      lastExit: ExitSummary | null;
      fatalReason: string | null;
    }
  | { type: 'oom'; instance: string; program: string; kills: number; at: string }
  /** A Node program's memory passed 60 % of its heap cap (old space + semi-spaces): the warning before a heap-limit exit. */
  | { type: 'heap-growth'; instance: string; program: string; memoryBytes: number; heapMiB: number; limitBytes: number | null; at: string }
  | { type: 'update'; at: string; result: UpdateResult }
  | {
      type: 'reload';
      program: string;
      /** start → (instance-starting → instance-ready → instance-draining → instance-retired)… → done, or failed. */
      phase: 'start' | 'instance-starting' | 'instance-ready' | 'instance-draining' | 'instance-retired' | 'done' | 'failed';
      at: string;
      instance: string | null;
      pid: number | null;
      oldPid: number | null;
      detail: string | null;
    }
  | { type: 'shutdown'; at: string }
  /** The log miner's pattern-change signals (docs/log-mining.md). */
  | TemplateEvent;

export interface ApiErrorBody {
  error: { code: string; message: string; issues?: ConfigIssue[] };
  /** With HOLDFAST_E_RELOAD_FAILED: what the reload did before it stopped. */
  result?: ReloadResult;
}

export interface ActionOptions {
  /** Wait until each instance settles (default true). */
  wait?: boolean;
  timeoutMs?: number;
}
