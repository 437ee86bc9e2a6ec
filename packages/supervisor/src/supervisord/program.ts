// One [program:x] section read as supervisord reads it (options.py, processes_from_section):
// the section-wide keys first, expanded with here/program_name/group_name/host_node_name/ENV_*;
// then, per process_num, environment= (whose keys become ENV_* for the rest), directory, the log
// keys, command and process_name, which may also use process_num and numprocs.
import { didYouMean } from '@holdfast/config';
import type { LogSpec, SvProcess, SvProgram } from './model.ts';
import type { Report } from './report.ts';
import { expandEntry, type SectionReader, type Vars } from './section-reader.ts';
import { shlexSplit, ShlexError } from './shlex.ts';
import {
  checkName,
  parseAutoRestart,
  parseBoolean,
  parseByteSize,
  parseExitCodes,
  parseInteger,
  parseKeyValuePairs,
  parseLogTarget,
  parseNonNegative,
  parseSignal,
  ValueProblem,
  type LogTarget,
} from './values.ts';

export interface ProgramContext {
  report: Report;
  /** ENV_* of the environment and [supervisord] environment=, plus host_node_name. */
  vars: Vars;
  /** [supervisord] environment=, under each program's own. */
  globalEnv: Record<string, string>;
  /** The [group:g] that lists this program, if any. */
  group?: string;
}

/** Keys of [program:x] that supervisord knows; the ones not read below are reported as unsupported. */
export const PROGRAM_KEYS = [
  'command',
  'process_name',
  'numprocs',
  'numprocs_start',
  'priority',
  'autostart',
  'startsecs',
  'startretries',
  'autorestart',
  'exitcodes',
  'stopsignal',
  'stopwaitsecs',
  'stopasgroup',
  'killasgroup',
  'user',
  'redirect_stderr',
  'stdout_logfile',
  'stdout_logfile_maxbytes',
  'stdout_logfile_backups',
  'stdout_capture_maxbytes',
  'stdout_events_enabled',
  'stdout_syslog',
  'stderr_logfile',
  'stderr_logfile_maxbytes',
  'stderr_logfile_backups',
  'stderr_capture_maxbytes',
  'stderr_events_enabled',
  'stderr_syslog',
  'environment',
  'directory',
  'umask',
  'serverurl',
];

const UNSUPPORTED: Record<string, string> = {
  umask: 'holdfast does not set a umask for children; set it in the command (e.g. sh -c "umask 022 && exec ...")',
  serverurl: 'holdfast children do not talk to the daemon over XML-RPC; use the holdfast control API',
  stdout_capture_maxbytes: 'capture mode (PROCESS_COMMUNICATION events) is not supported',
  stderr_capture_maxbytes: 'capture mode (PROCESS_COMMUNICATION events) is not supported',
  stdout_events_enabled: 'PROCESS_LOG events are not supported; follow the output with holdfast logs -f',
  stderr_events_enabled: 'PROCESS_LOG events are not supported; follow the output with holdfast logs -f',
};

function readLog(r: SectionReader, ctx: ProgramContext, vars: Vars, stream: 'stdout' | 'stderr', first: boolean): LogSpec {
  const fileKey = `${stream}_logfile`;
  const target = r.value<LogTarget>(fileKey, vars, parseLogTarget, { kind: 'auto' }) ?? { kind: 'auto' };
  const maxBytes = r.value(`${fileKey}_maxbytes`, vars, parseByteSize, 50 * 1024 * 1024) ?? 0;
  const backups = r.value(`${fileKey}_backups`, vars, parseNonNegative, 10) ?? 0;
  const syslog = r.value(`${stream}_syslog`, vars, parseBoolean, false);
  if (first && (syslog || target.kind === 'syslog')) {
    ctx.report.warn(
      r.origin(syslog ? `${stream}_syslog` : fileKey),
      `holdfast does not send ${stream} to syslog; it is written to holdfast's own log file instead (read it with holdfast logs)`,
    );
  }
  return {
    target: target.kind === 'syslog' ? { kind: 'auto' } : target,
    maxBytes,
    backups,
    explicit: { file: r.has(fileKey), maxBytes: r.has(`${fileKey}_maxbytes`), backups: r.has(`${fileKey}_backups`) },
  };
}

function splitCommand(text: string): string[] {
  let argv: string[];
  try {
    argv = shlexSplit(text);
  } catch (err) {
    if (err instanceof ShlexError) {
      throw new ValueProblem(
        `cannot split the command: ${err.message}`,
        "close every quote; note that ' ;' or ' #' starts a comment in supervisord.conf even inside quotes",
      );
    }
    throw err;
  }
  if (argv.length === 0) throw new ValueProblem('the command is empty', 'give the program to run, e.g. command=/usr/bin/node app.js');
  return argv;
}

export function readProgram(r: SectionReader, ctx: ProgramContext): SvProgram | undefined {
  const { report } = ctx;
  const errorsBefore = report.errors.length;
  const name = report.attempt(r.origin(), () => checkName(r.name.slice(r.name.indexOf(':') + 1)));
  if (name === undefined) return undefined;
  const groupName = ctx.group ?? name;
  const common: Vars = { ...ctx.vars, program_name: name, group_name: groupName };

  const priority = r.value('priority', common, parseInteger, 999);
  const autostart = r.value('autostart', common, parseBoolean, true);
  const autorestart = r.value('autorestart', common, parseAutoRestart, 'on-failure');
  const startSecs = r.value('startsecs', common, parseNonNegative, 1);
  const startRetries = r.value('startretries', common, parseNonNegative, 3);
  const stopSignal = r.value('stopsignal', common, parseSignal, 'SIGTERM');
  const stopWaitSecs = r.value('stopwaitsecs', common, parseNonNegative, 10);
  const stopAsGroup = r.value('stopasgroup', common, parseBoolean, false);
  const killAsGroup = r.value('killasgroup', common, parseBoolean, stopAsGroup ?? false);
  const exitCodes = r.value('exitcodes', common, parseExitCodes, [0]);
  const redirectStderr = r.value('redirect_stderr', common, parseBoolean, false);
  const numprocs = r.value('numprocs', common, parseNonNegative, 1);
  const numprocsStart = r.value('numprocs_start', common, parseNonNegative, 0);
  const user = r.text('user', common);
  // process_name is expanded per process below, so read it raw here.
  const processNameEntry = r.entry('process_name') ?? {
    key: 'process_name',
    value: '%(program_name)s',
    file: r.section.file,
    line: r.section.line,
  };
  const processName = processNameEntry.value;

  if (numprocs === 0)
    report.error(
      r.origin('numprocs'),
      'numprocs is 0, so the program would run no process',
      'use numprocs=1 or more, or autostart=false to define it without starting it',
    );
  if (numprocs !== undefined && numprocs > 1 && !processName.includes('%(process_num)')) {
    report.error(
      r.origin(r.has('process_name') ? 'process_name' : 'numprocs'),
      `numprocs=${numprocs} needs process_name to contain %(process_num), so each process gets its own name`,
      'add process_name=%(program_name)s_%(process_num)02d',
    );
  }
  if (stopAsGroup === true && killAsGroup === false) {
    report.error(
      r.origin('killasgroup'),
      'stopasgroup=true with killasgroup=false is not allowed',
      'remove killasgroup= (it follows stopasgroup) or set it to true',
    );
  }
  if (!r.has('command')) {
    report.error(r.origin(), `[${r.name}] does not specify a command`, 'add command=/path/to/program args');
  }

  const processes: SvProcess[] = [];
  const count = numprocs ?? 1;
  const start = numprocsStart ?? 0;
  for (let num = start; num < start + count && report.errors.length === errorsBefore; num++) {
    const vars: Record<string, string | number | undefined> = { ...common, process_num: num, numprocs: count };
    const envText = r.text('environment', vars) ?? '';
    const env = report.attempt(r.origin('environment'), () => parseKeyValuePairs(envText));
    if (env && env.oddSeparators.length > 0 && num === start) {
      report.warn(
        r.origin('environment'),
        `'${env.oddSeparators.join("', '")}' between KEY=value pairs is read as a separator; use commas`,
      );
    }
    for (const [k, v] of Object.entries(env?.pairs ?? {})) vars[`ENV_${k}`] = v;
    const directory = r.text('directory', vars);
    const stdout = readLog(r, ctx, vars, 'stdout', num === start);
    const stderr = readLog(r, ctx, vars, 'stderr', num === start);
    if (redirectStderr) {
      if (r.has('stderr_logfile') && stderr.target.kind === 'file' && num === start) {
        report.warn(
          r.origin('stderr_logfile'),
          'redirect_stderr=true sends stderr to the stdout log, so this file is not used (as in supervisord)',
        );
      }
      stderr.target = { kind: 'none' };
    }
    const commandText = r.text('command', vars);
    const argv = commandText === undefined ? undefined : report.attempt(r.origin('command'), () => splitCommand(commandText));
    const procName = report.attempt(r.origin(r.has('process_name') ? 'process_name' : undefined), () =>
      checkName(expandEntry(processNameEntry, vars)),
    );
    if (argv === undefined || procName === undefined) break;
    processes.push({
      name: procName,
      processNum: num,
      commandText: commandText!,
      argv,
      ...(directory === undefined ? {} : { directory }),
      environment: { ...ctx.globalEnv, ...env?.pairs },
      ...(user === undefined ? {} : { user }),
      stdout,
      stderr,
    });
  }

  for (const e of r.unread()) {
    const why = UNSUPPORTED[e.key];
    if (why) {
      report.warn(r.origin(e.key), `not supported: ${why}`);
      continue;
    }
    const guess = didYouMean(e.key, PROGRAM_KEYS);
    report.warn(r.origin(e.key), `unknown key '${e.key}' (supervisord ignores it too)${guess ? `; did you mean '${guess}'?` : ''}`);
  }
  if (report.errors.length > errorsBefore) return undefined;
  return {
    name,
    ...(ctx.group === undefined ? {} : { group: ctx.group }),
    origin: r.origin(),
    priority: priority!,
    autostart: autostart!,
    autorestart: autorestart!,
    exitCodes: exitCodes!,
    startSecs: startSecs!,
    startRetries: startRetries!,
    stopSignal: stopSignal!,
    stopWaitSecs: stopWaitSecs!,
    stopAsGroup: stopAsGroup!,
    killAsGroup: killAsGroup!,
    redirectStderr: redirectStderr!,
    numprocs: count,
    numprocsStart: start,
    processes,
    explicitKeys: new Map(r.section.entries.map((e) => [e.key, r.origin(e.key)])),
  };
}
