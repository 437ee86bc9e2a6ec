// The [supervisord] section. Four keys shape the programs and are carried over: environment=
// (under every program's own), directory= (the cwd of programs that set none, when supervisord
// daemonizes), user= (the user of programs that set none, since supervisord drops to it before
// spawning) and childlogdir= (where AUTO logs go). The rest configure
// supervisord itself and are reported with what holdfast does instead.
import type { Origin, Report } from './report.ts';
import type { SectionReader, Vars } from './section-reader.ts';
import { expandUser, parseBoolean, parseKeyValuePairs } from './values.ts';

export interface DaemonSettings {
  globalEnv: Record<string, string>;
  /** childlogdir=, where AUTO logs go: holdfast's supervisor.logDir. */
  childLogDir?: Origin & { path: string };
  directory?: string;
  user?: string;
}

const INSTEAD: Record<string, string> = {
  logfile: "holdfast logs to stdout with pino; redirect it, or let systemd's journal keep it",
  logfile_maxbytes: "holdfast's own log is not rotated by holdfast; the journal or your log shipper rotates it",
  logfile_backups: "holdfast's own log is not rotated by holdfast; the journal or your log shipper rotates it",
  loglevel: "set the level of holdfast's own log with LOG_LEVEL",
  pidfile: 'holdfast keeps its own lock and state files next to the control socket',
  umask: 'holdfast does not change its umask; set UMask= in the systemd unit',
  silent: 'holdfast always logs to stdout',
  minfds: 'raise the limit with LimitNOFILE= in the systemd unit (holdfast gen systemd)',
  minprocs: 'raise the limit with LimitNPROC= in the systemd unit, or use limits.pids per program',
  nocleanup: 'holdfast does not delete old AUTO log files at start',
  strip_ansi: 'holdfast keeps program output as written',
  identifier: 'holdfast has no XML-RPC identifier',
};

export function readDaemonSection(r: SectionReader, vars: Vars, report: Report): DaemonSettings {
  const envText = r.text('environment', vars) ?? '';
  const env = report.attempt(r.origin('environment'), () => parseKeyValuePairs(envText));
  const directory = r.text('directory', vars);
  const user = r.text('user', vars);
  const childLogDir = r.text('childlogdir', vars);
  if (user !== undefined) {
    report.warn(
      r.origin('user'),
      `holdfast does not drop its own privileges: programs without user= run as ` +
        `'${user}', but start holdfast itself ` +
        `as that user (User= in the systemd unit) if that is what you want`,
    );
  }
  const nodaemon = r.value('nodaemon', vars, parseBoolean, false);
  if (r.has('nodaemon') && nodaemon === false) {
    report.warn(
      r.origin('nodaemon'),
      'holdfast always runs in the foreground; run it under systemd (holdfast gen systemd) or as a container entrypoint',
    );
  }
  // supervisord changes into directory= only when it daemonizes, so only then do its children
  // inherit it.
  const inherited = nodaemon === true ? undefined : directory;
  if (directory !== undefined && nodaemon === true) {
    report.warn(
      r.origin('directory'),
      'not used: with nodaemon=true supervisord does not change into this directory, so its programs do not run there either',
    );
  }
  for (const e of r.unread()) {
    const why = INSTEAD[e.key];
    report.warn(r.origin(e.key), why ? `not used: ${why}` : `unknown key '${e.key}' in [supervisord] (supervisord ignores it too)`);
  }
  return {
    globalEnv: env?.pairs ?? {},
    ...(inherited === undefined ? {} : { directory: inherited }),
    ...(user === undefined ? {} : { user }),
    ...(childLogDir === undefined ? {} : { childLogDir: { ...r.origin('childlogdir'), path: expandUser(childLogDir) } }),
  };
}
