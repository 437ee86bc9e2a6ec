// What the runner needs from a cgroup, whichever version backs it.
import type { LimitsConfig } from '../config/schema.ts';

export interface CgroupStats {
  /** Memory charged to the cgroup (page cache included), bytes. */
  memoryBytes?: number;
  /** CPU time used by every process in it, microseconds. */
  cpuUsec?: number;
}

/** One program instance's cgroup (one directory per controller on v1, one directory on v2). */
export interface CgroupHandle {
  readonly name: string;
  /** The cgroup.procs files a new process joins (written by the spawn wrapper before exec). */
  readonly procsFiles: string[];
  pids(): number[];
  /** SIGKILLs every process in the cgroup until it is empty, `timeoutMs` passes, or `keepGoing` says stop. */
  killAll(timeoutMs?: number, keepGoing?: () => boolean): Promise<number[]>;
  /** OOM kills counted by the kernel in this cgroup since it was created. */
  oomKills(): number;
  stats(): CgroupStats;
  /** Removes the directories (they must be empty); false when something is still inside after a short wait. */
  remove(): Promise<boolean>;
}

export interface CgroupDriver {
  readonly version: 1 | 2;
  /** Human description for the daemon's start log: where, and which controllers. */
  readonly description: string;
  /** Creates (or reuses) the cgroup `name` and writes `limits` into it; returns warnings for limits it could not apply. */
  open(name: string, limits: LimitsConfig | undefined, cwd: string): { handle: CgroupHandle; warnings: string[] };
  /** Names of cgroups left by a previous run of this daemon (to reap). */
  leftovers(): string[];
  /** A handle on an existing cgroup without touching its limits (for reaping). */
  attach(name: string): CgroupHandle;
  /** Removes this daemon's (empty) subtree at shutdown. */
  dispose(): void;
}

/** The outcome of detection: a driver, or the reason there is none (said clearly at start). */
export type CgroupDetection = { driver: CgroupDriver } | { driver: undefined; reason: string };
