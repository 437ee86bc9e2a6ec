// What a supervisord.conf means, in supervisord's own terms, after expansion and validation.
// The mapping to holdfast's config reads only this, never the INI text.
import type { Origin } from './report.ts';
import type { AutoRestart, LogTarget } from './values.ts';

export interface LogSpec {
  target: LogTarget;
  /** 0 means no rotation. */
  maxBytes: number;
  backups: number;
  /** Which keys the user set (the rest are supervisord's defaults). */
  explicit: { file: boolean; maxBytes: boolean; backups: boolean };
}

/** One process, as supervisord would run it: one per process_num of a [program:x]. */
export interface SvProcess {
  /** process_name, expanded (e.g. worker_01). */
  name: string;
  processNum: number;
  /** command= after expansion, as written. */
  commandText: string;
  argv: string[];
  directory?: string;
  /** [supervisord] environment= merged under the program's environment=. */
  environment: Record<string, string>;
  user?: string;
  stdout: LogSpec;
  stderr: LogSpec;
}

export interface SvProgram {
  /** x of [program:x]. */
  name: string;
  /** Its heterogeneous group, when a [group:g] lists it; supervisord then calls processes g:name. */
  group?: string;
  origin: Origin;
  priority: number;
  autostart: boolean;
  autorestart: AutoRestart;
  exitCodes: number[];
  startSecs: number;
  startRetries: number;
  stopSignal: NodeJS.Signals;
  stopWaitSecs: number;
  stopAsGroup: boolean;
  killAsGroup: boolean;
  redirectStderr: boolean;
  numprocs: number;
  numprocsStart: number;
  processes: SvProcess[];
  /** Keys set in the section and where: tells a user's choice from supervisord's default. */
  explicitKeys: Map<string, Origin>;
}

export interface SvGroup {
  name: string;
  origin: Origin;
  /** Only when the section sets it (holdfast groups have no default priority). */
  priority?: number;
  programs: string[];
}

export interface SvUnixServer {
  origin: Origin;
  /** Where each key of the section is set (warnings point at the key's own line). */
  keys: Record<string, Origin>;
  file: string;
  chmod?: number;
  chown?: string;
  username?: string;
  password?: string;
}

export interface SvInetServer {
  origin: Origin;
  keys: Record<string, Origin>;
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export interface SvConf {
  programs: SvProgram[];
  groups: SvGroup[];
  /** [supervisord] childlogdir=: where AUTO log files go. */
  childLogDir?: Origin & { path: string };
  /** Environment variables that %(ENV_X)s took from the environment of this read (not from the file). */
  envFromProcess: string[];
  unixServer?: SvUnixServer;
  inetServer?: SvInetServer;
  /** Every file read, main file first. */
  files: string[];
}
