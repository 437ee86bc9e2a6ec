// Maps the supervisord model onto holdfast's config input (what a user would write in
// holdfast.yaml). Every program first gets supervisord's effective value for each setting, so
// the result behaves like supervisord even where holdfast's defaults differ (startretries 3,
// not 5); `minimize` then drops what merely restates a holdfast default.
//
// numprocs: when the processes differ only in their names (process_num appears nowhere but in
// process_name), the program becomes one holdfast program with `instances: N`. When anything
// else differs (a port, a log file, a worker name in the command), each process becomes its own
// program, named by its process_name, and they are put in a group named after the program so
// `holdfast restart worker` still reaches them all (or in the [group:x] that lists them).
import { isAbsolute } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { splitCommandLine } from '../config/command-line.ts';
import { NAME_PATTERN, programSchema, type SupervisorConfigInput } from '../config/schema.ts';
import { minimize } from './minimize.ts';
import type { LogSpec, SvConf, SvProcess, SvProgram } from './model.ts';
import type { Origin, Report } from './report.ts';

type ProgramInput = Record<string, unknown>;

/** Where `key` is set in the program's section (its own line), or the section header when it is not. */
const keyAt = (p: SvProgram, key: string): Origin => p.explicitKeys.get(key) ?? { ...p.origin, key };

/** 52428800 → "50MiB": supervisord's KB/MB/GB are powers of 1024, which holdfast spells KiB/MiB/GiB. */
export function formatBytes(n: number): number | string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (n > 0 && n % size === 0) return `${n / size}${unit}`;
  }
  return n;
}

function safeName(name: string, at: Origin, report: Report): string {
  if (NAME_PATTERN.test(name)) return name;
  const fixed = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'program';
  report.warn(at, `holdfast names use letters, digits, '_', '.' and '-' and start with a letter or digit: '${name}' becomes '${fixed}'`);
  return fixed;
}

function logInput(spec: LogSpec, at: Origin, report: Report): Record<string, unknown> {
  const out: Record<string, unknown> = { maxBytes: formatBytes(spec.maxBytes), backups: spec.backups };
  if (spec.target.kind === 'none') out.file = false;
  else if (spec.target.kind === 'file') {
    out.file = spec.target.path;
    if (!isAbsolute(spec.target.path)) {
      report.warn(
        at,
        `the relative log path ` +
          `'${spec.target.path}' is resolved from the config file's directory by holdfast, from ` +
          `its working directory by supervisord`,
      );
    }
  }
  return out;
}

/** The command as written when holdfast splits it the same way, else the argv supervisord would run. */
function commandInput(proc: SvProcess): string | string[] {
  const split = splitCommandLine(proc.commandText);
  return split.ok && isDeepStrictEqual(split.argv, proc.argv) ? proc.commandText.replace(/\s*\n\s*/g, ' ').trim() : proc.argv;
}

/** stdout_logfile and stderr_logfile naming one file: one stream into it is what holdfast can rotate. */
function sharesLogFile(proc: SvProcess): boolean {
  const { stdout, stderr } = proc;
  return stdout.target.kind === 'file' && stderr.target.kind === 'file' && stdout.target.path === stderr.target.path;
}

function programInput(p: SvProgram, proc: SvProcess, report: Report, warnOnce: boolean): ProgramInput {
  let redirect = p.redirectStderr;
  if (!redirect && sharesLogFile(proc)) {
    const at = keyAt(p, 'stderr_logfile');
    if (proc.stdout.maxBytes === proc.stderr.maxBytes && proc.stdout.backups === proc.stderr.backups) {
      redirect = true;
      if (warnOnce)
        report.warn(
          at,
          'stdout and stderr name the same file, so holdfast writes them as one stream (redirectStderr: true) that it can rotate safely',
        );
    } else if (warnOnce) {
      report.warn(
        at,
        'stdout and stderr name the same file with different rotation settings; two writers rotating one file lose ' +
          'lines: use redirect_stderr=true',
      );
    }
  }
  const input: ProgramInput = {
    command: commandInput(proc),
    autostart: p.autostart,
    autorestart: p.autorestart,
    exitCodes: p.exitCodes,
    startSecs: p.startSecs,
    startRetries: p.startRetries,
    stopSignal: p.stopSignal,
    stopTimeoutMs: `${p.stopWaitSecs}s`,
    priority: p.priority,
    logs: {
      stdout: logInput(proc.stdout, keyAt(p, 'stdout_logfile'), warnOnce ? report : silent),
      // With redirect_stderr there is no stderr log to describe.
      ...(redirect ? {} : { stderr: logInput(proc.stderr, keyAt(p, 'stderr_logfile'), warnOnce ? report : silent) }),
      redirectStderr: redirect,
    },
  };
  if (proc.directory !== undefined) {
    input.cwd = proc.directory;
    if (warnOnce && !isAbsolute(proc.directory)) {
      report.warn(
        keyAt(p, 'directory'),
        `the relative directory ` +
          `'${proc.directory}' is resolved from the config file's directory by holdfast, from ` +
          `its working directory by supervisord`,
      );
    }
  }
  if (Object.keys(proc.environment).length > 0) input.env = proc.environment;
  if (proc.user !== undefined) input.user = proc.user;
  if (warnOnce) {
    const literal = proc.argv.slice(1).filter((a) => ['|', '||', '&&', ';', '>', '>>', '<', '&', '2>&1'].includes(a));
    if (literal.length > 0) {
      report.warn(
        keyAt(p, 'command'),
        `'${literal.join("', " + "'")}' is passed to the program as a plain argument: supervisord runs no shell (and ` +
          `neither does holdfast); use sh -c '...' if a shell was meant`,
      );
    }
  }
  return input;
}

// Warnings about one process of many are given once, for the first.
const silent = { warn: () => {} } as unknown as Report;

/** Log files every instance would share: holdfast gives each instance its own (name-0.log, …). */
function explicitLogFiles(proc: SvProcess): string[] {
  return [proc.stdout.target, proc.stderr.target].flatMap((t) => (t.kind === 'file' ? [t.path] : []));
}

// A device such as /dev/stdout cannot be split per instance, so such pools stay separate programs.
const isDevice = (path: string) => path.startsWith('/dev/');

function identicalButName(a: SvProcess, b: SvProcess): boolean {
  const strip = ({ name: _n, processNum: _p, ...rest }: SvProcess) => rest;
  return isDeepStrictEqual(strip(a), strip(b));
}

// The order a person would write them in: what runs, then how it restarts, then how it stops.
const KEY_ORDER = [
  'command',
  'cwd',
  'env',
  'user',
  'instances',
  'autostart',
  'autorestart',
  'exitCodes',
  'startSecs',
  'startRetries',
  'stopSignal',
  'stopTimeoutMs',
  'priority',
  'logs',
];
const LOG_KEY_ORDER = ['file', 'maxBytes', 'backups'];

function ordered(input: Record<string, unknown>, order: string[]): Record<string, unknown> {
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.fromEntries(Object.entries(input).sort(([a], [b]) => rank(a) - rank(b)));
}

function minimized(input: ProgramInput): ProgramInput {
  const out = ordered(
    minimize(input, (c) => programSchema.parse(c), ['command']),
    KEY_ORDER,
  );
  const logs = out.logs as Record<string, Record<string, unknown>> | undefined;
  for (const stream of ['stdout', 'stderr']) if (logs?.[stream]) logs[stream] = ordered(logs[stream], LOG_KEY_ORDER);
  return out;
}

export interface Converted {
  config: SupervisorConfigInput;
  /** The section each holdfast program came from, to place later validation errors. */
  origins: Map<string, Origin>;
  /** The supervisord program behind each holdfast program. */
  sources: Map<string, SvProgram>;
}

// Which supervisord key a holdfast program field comes from, to point an error at its line.
const SOURCE_KEY: [string, string][] = [
  ['command', 'command'],
  ['cwd', 'directory'],
  ['env', 'environment'],
  ['user', 'user'],
  ['instances', 'numprocs'],
  ['autostart', 'autostart'],
  ['autorestart', 'autorestart'],
  ['exitCodes', 'exitcodes'],
  ['startSecs', 'startsecs'],
  ['startRetries', 'startretries'],
  ['stopSignal', 'stopsignal'],
  ['stopTimeoutMs', 'stopwaitsecs'],
  ['priority', 'priority'],
  ['logs.redirectStderr', 'redirect_stderr'],
  ...(['stdout', 'stderr'] as const).flatMap((s): [string, string][] => [
    [`logs.${s}.file`, `${s}_logfile`],
    [`logs.${s}.maxBytes`, `${s}_logfile_maxbytes`],
    [`logs.${s}.backups`, `${s}_logfile_backups`],
  ]),
];

/** Where the value at `path` (programs.<name>.…) of the converted config was written in the supervisord file. */
export function originOf(converted: Converted, path: (string | number)[]): Origin | undefined {
  if (path[0] !== 'programs') return undefined;
  const name = String(path[1]);
  const field = path.slice(2).join('.');
  const key = SOURCE_KEY.find(([f]) => field === f || field.startsWith(`${f}.`))?.[1];
  const at = key === undefined ? undefined : converted.sources.get(name)?.explicitKeys.get(key);
  return at ?? converted.origins.get(name);
}

export function toHoldfast(conf: SvConf, report: Report): Converted {
  const programs: Record<string, ProgramInput> = {};
  const origins = new Map<string, Origin>();
  const sources = new Map<string, SvProgram>();
  const groups: Record<string, { programs: string[]; priority?: number }> = {};
  /** What each supervisord program became: its holdfast program names. */
  const expanded = new Map<string, string[]>();

  const add = (name: string, input: ProgramInput, at: Origin, from: SvProgram) => {
    const prior = origins.get(name);
    if (prior) {
      report.error(
        at,
        `two programs would both be called '${name}' in holdfast (the other is [${prior.section}] at ${prior.file}:${prior.line})`,
        'give one of them another process_name or section name',
      );
      return;
    }
    origins.set(name, at);
    sources.set(name, from);
    programs[name] = minimized(input);
  };

  for (const p of conf.programs) {
    const first = p.processes[0];
    if (!first) continue;
    if (p.explicitKeys.has('stopasgroup') && !p.stopAsGroup) {
      report.warn(
        keyAt(p, 'stopasgroup'),
        'holdfast always sends the stop signal to the whole process group, so children of the program stop too',
      );
    }
    if (p.explicitKeys.has('killasgroup') && !p.killAsGroup) {
      report.warn(
        keyAt(p, 'killasgroup'),
        'holdfast always kills the whole process group (and cgroup) after the stop timeout, so nothing is left behind',
      );
    }
    const base = safeName(p.name, p.origin, report);
    if (p.processes.length === 1) {
      if (first.name !== p.name && p.explicitKeys.has('process_name')) {
        report.warn(keyAt(p, 'process_name'), `a single process is named after its section in holdfast: '${base}', not '${first.name}'`);
      }
      add(base, programInput(p, first, report, true), p.origin, p);
      expanded.set(p.name, [base]);
    } else if (p.processes.every((proc) => identicalButName(proc, first)) && !explicitLogFiles(first).some(isDevice)) {
      const names = p.processes.map((proc) => proc.name);
      report.warn(
        keyAt(p, 'numprocs'),
        `numprocs=${p.numprocs} becomes ` +
          `instances: ${p.numprocs}; ` +
          `supervisord's ${names[0]} ` +
          `… ${names.at(-1)} are ` +
          `addressed as ${base}:0 … ${base}:${p.numprocs - 1}`,
      );
      const shared = [...new Set(explicitLogFiles(first))];
      if (shared.length > 0) {
        report.warn(
          keyAt(p, 'stdout_logfile'),
          `all ${p.numprocs} processes ` +
            `write ${shared.join(' and ')} in supervisord; holdfast gives each instance its ` +
            `own file, with -<instance> before the extension, so rotation never races`,
        );
      }
      add(base, { ...programInput(p, first, report, true), instances: p.processes.length }, p.origin, p);
      expanded.set(p.name, [base]);
    } else {
      const names: string[] = [];
      p.processes.forEach((proc, i) => {
        const name = safeName(proc.name, keyAt(p, 'process_name'), report);
        add(name, programInput(p, proc, report, i === 0), p.origin, p);
        names.push(name);
      });
      expanded.set(p.name, names);
      // Outside a [group:x], the program's own homogeneous group keeps `holdfast stop worker` working.
      if (p.group === undefined) groups[base] = { programs: names };
    }
  }

  for (const g of conf.groups) {
    const members = g.programs.flatMap((m) => expanded.get(m) ?? []);
    if (members.length === 0) continue;
    let name = safeName(g.name, g.origin, report);
    if (name in programs) {
      const renamed = `${name}-group`;
      report.warn(g.origin, `holdfast keeps group and program names apart: the group '${name}' becomes '${renamed}'`);
      name = renamed;
    }
    // supervisord ranks a [group:x] by its priority= (default 999), whatever its members' own
    // priorities: say so explicitly when the members' would rank them otherwise.
    const sources = g.programs.flatMap((m) => conf.programs.filter((p) => p.name === m));
    const priority = g.priority ?? (sources.some((p) => p.priority !== 999) ? 999 : undefined);
    groups[name] = { programs: members, ...(priority === undefined ? {} : { priority }) };
  }

  const supervisor = daemonInput(conf, report);
  const config: SupervisorConfigInput = {
    ...(Object.keys(supervisor).length > 0 ? { supervisor } : {}),
    programs: programs as SupervisorConfigInput['programs'],
    ...(Object.keys(groups).length > 0 ? { groups } : {}),
  };
  return { config, origins, sources };
}

function daemonInput(conf: SvConf, report: Report): NonNullable<SupervisorConfigInput['supervisor']> {
  const out: NonNullable<SupervisorConfigInput['supervisor']> = {};
  if (conf.childLogDir) out.logDir = conf.childLogDir.path;
  const unix = conf.unixServer;
  if (unix) {
    out.socket = unix.file;
    if (unix.chmod !== undefined && unix.chmod !== 0o600) {
      report.warn(
        unix.keys.chmod ?? { ...unix.origin, key: 'chmod' },
        `the control socket is always mode 0600 (owner only) in holdfast, not 0${unix.chmod.toString(8)}`,
      );
    }
    if (unix.chown !== undefined)
      report.warn(
        unix.keys.chown ?? { ...unix.origin, key: 'chown' },
        'the control socket belongs to the user running holdfast; chown is not applied',
      );
    if (unix.username !== undefined) {
      report.warn(
        unix.keys.username ?? { ...unix.origin, key: 'username' },
        'the Unix control socket is protected by its file mode (0600), not by a username and password',
      );
    }
  }
  const inet = conf.inetServer;
  if (inet) {
    const host = inet.host === '' ? '0.0.0.0' : inet.host;
    const password = inet.password;
    if (password !== undefined && !password.startsWith('{SHA}') && password.length >= 16) {
      out.http = { host, port: inet.port, token: password };
      report.warn(
        inet.keys.password ?? { ...inet.origin, key: 'password' },
        'the TCP control API takes the password as its bearer token (Authorization: Bearer <password>); supervisorctl cannot use it',
      );
    } else {
      const why =
        password === undefined
          ? 'supervisord serves it without authentication'
          : password.startsWith('{SHA}')
            ? 'the password is stored as a SHA-1 hash, which cannot serve as a token'
            : 'the password is shorter than the 16 characters a token needs';
      report.warn(
        inet.origin,
        `the TCP control API is not enabled: holdfast requires a bearer token on TCP ` +
          `and ${why}; add supervisor.http ` +
          `with a token or tokenFile`,
      );
    }
  }
  return out;
}
