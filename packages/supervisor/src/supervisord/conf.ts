// A whole supervisord.conf (and its includes) read into the SvConf model, in supervisord's order:
// [supervisord] first (its environment= feeds %(ENV_X)s everywhere), then [group:x], then
// [program:x]. Sections holdfast has no use for are reported once each; an unknown section kind
// is an error, since it is almost always a typo that supervisord would silently ignore.
import { hostname } from 'node:os';
import { didYouMean } from '@holdfast/config';
import type { IniSection } from './ini.ts';
import { readIniTree } from './include.ts';
import { readGroup } from './group.ts';
import { readInetServer, readUnixServer } from './http-servers.ts';
import type { SvConf, SvGroup, SvProgram } from './model.ts';
import { readProgram } from './program.ts';
import { referencedNames } from './pyformat.ts';
import type { Report } from './report.ts';
import { SectionReader, type Vars } from './section-reader.ts';
import { readDaemonSection } from './daemon-section.ts';

export interface ReadOptions {
  /** The environment %(ENV_X)s reads; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** %(host_node_name)s; defaults to os.hostname(). */
  hostNodeName?: string;
  /** Refuse what supervisord only warns about: an [include] pattern that matches no file. */
  strict?: boolean;
}

const SECTION_KINDS = ['program:', 'group:', 'eventlistener:', 'fcgi-program:', 'rpcinterface:', 'ctlplugin:'];
const SINGLE_SECTIONS = ['supervisord', 'unix_http_server', 'inet_http_server', 'supervisorctl', 'include'];

function kindOf(name: string): string | undefined {
  if (SINGLE_SECTIONS.includes(name)) return name;
  const prefix = SECTION_KINDS.find((k) => name.startsWith(k));
  if (prefix) return prefix.slice(0, -1);
  // supervisord also accepts named HTTP servers, e.g. [inet_http_server:admin].
  if (name.startsWith('inet_http_server:')) return 'inet_http_server';
  if (name.startsWith('unix_http_server:')) return 'unix_http_server';
  return undefined;
}

function unknownSection(section: IniSection, report: Report): void {
  const name = section.name;
  const [head, rest] = name.includes(':') ? [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':'))] : [name, ''];
  const bare = SECTION_KINDS.map((k) => k.slice(0, -1));
  let hint: string;
  if (head.trim() !== head || rest.trim() !== rest) hint = `remove the spaces inside the brackets: [${name.trim()}]`;
  else if (rest === '' && bare.includes(head)) hint = `a ${head} section needs a name: [${head}:name]`;
  else {
    const guess = didYouMean(head, [...bare, ...SINGLE_SECTIONS]);
    hint = guess
      ? `did you mean [${guess}${bare.includes(guess) ? rest || ':name' : ''}]?`
      : `known sections: [supervisord], [program:x], [group:x], [include], [unix_http_server], [inet_http_server], ` +
        `[supervisorctl], [eventlistener:x], [fcgi-program:x], [rpcinterface:x]`;
  }
  report.error({ file: section.file, line: section.line, section: name }, `unknown section [${name}]`, hint);
}

/** Python's DEFAULT section: its keys apply to every section that does not set them. */
function applyDefaults(sections: IniSection[]): IniSection[] {
  const defaults = sections.find((s) => s.name === 'DEFAULT');
  if (!defaults) return sections;
  return sections
    .filter((s) => s !== defaults)
    .map((s) => ({ ...s, entries: [...s.entries, ...defaults.entries.filter((d) => !s.entries.some((e) => e.key === d.key))] }));
}

export function readConf(file: string, report: Report, options: ReadOptions = {}): SvConf {
  const env = options.env ?? process.env;
  const vars: Record<string, string> = { host_node_name: options.hostNodeName ?? hostname() };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[`ENV_${k}`] = v;

  const tree = readIniTree(file, vars, report, options.strict === true);
  report.fileOrder = tree.files;
  const sections = applyDefaults(tree.sections);
  const byKind = new Map<string, IniSection[]>();
  for (const s of sections) {
    const kind = kindOf(s.name);
    if (kind === undefined) {
      unknownSection(s, report);
      continue;
    }
    byKind.set(kind, [...(byKind.get(kind) ?? []), s]);
  }
  const of = (kind: string) => byKind.get(kind) ?? [];

  const daemonSection = of('supervisord')[0];
  if (tree.files.length > 0 && !daemonSection) {
    report.warn(
      { file },
      'there is no [supervisord] section: supervisord refuses such a file (".ini file does not include supervisord ' +
        'section"); holdfast runs it, but is this the file you meant?',
    );
  } else if (daemonSection && daemonSection.entries.length === 0) {
    report.warn(
      { file: daemonSection.file, line: daemonSection.line, section: 'supervisord' },
      'the [supervisord] section is empty: supervisord would daemonize and write supervisord.log and supervisord.pid ' +
        'in its working directory (its defaults); holdfast runs in the foreground and logs to stdout',
    );
  }
  const daemon = daemonSection ? readDaemonSection(new SectionReader(daemonSection, report), vars, report) : { globalEnv: {} };
  // [supervisord] environment= extends what %(ENV_X)s can name, as in supervisord.
  const programVars: Vars = { ...vars, ...Object.fromEntries(Object.entries(daemon.globalEnv).map(([k, v]) => [`ENV_${k}`, v])) };

  const programSections = new Map(of('program').map((s) => [s.name.slice('program:'.length), s]));
  const fcgiNames = new Set(of('fcgi-program').map((s) => s.name.slice('fcgi-program:'.length)));
  const groups: SvGroup[] = [];
  const groupOf = new Map<string, SvGroup>();
  for (const s of of('group')) {
    const g = readGroup(new SectionReader(s, report), programVars, report, programSections, fcgiNames, groupOf);
    if (g) groups.push(g);
  }

  const programs: SvProgram[] = [];
  for (const [name, s] of programSections) {
    const group = groupOf.get(name)?.name;
    const p = readProgram(new SectionReader(s, report), {
      report,
      vars: programVars,
      globalEnv: daemon.globalEnv,
      ...(group === undefined ? {} : { group }),
    });
    if (!p) continue;
    for (const proc of p.processes) {
      if (proc.directory === undefined && daemon.directory !== undefined) proc.directory = daemon.directory;
      if (proc.user === undefined && daemon.user !== undefined) proc.user = daemon.user;
    }
    programs.push(p);
  }

  const conf: SvConf = { programs, groups, files: tree.files, envFromProcess: envReferences(sections, env) };
  if (daemon.childLogDir) conf.childLogDir = daemon.childLogDir;
  const unix = of('unix_http_server');
  const inet = of('inet_http_server');
  if (unix[0]) conf.unixServer = readUnixServer(new SectionReader(unix[0], report), vars, report);
  if (inet[0]) conf.inetServer = readInetServer(new SectionReader(inet[0], report), vars, report);
  for (const extra of [...unix.slice(1), ...inet.slice(1)]) {
    report.warn(
      { file: extra.file, line: extra.line, section: extra.name },
      'holdfast serves one control endpoint; this extra HTTP server is not created',
    );
  }
  for (const s of of('supervisorctl')) {
    report.warn(
      { file: s.file, line: s.line, section: s.name },
      'supervisorctl settings are not used: holdfast commands find the daemon from -c <config> or HOLDFAST_SOCKET',
    );
  }
  for (const s of of('rpcinterface')) {
    report.warn(
      { file: s.file, line: s.line, section: s.name },
      'the XML-RPC interface is not provided (so supervisorctl cannot connect); use holdfast status/start/stop/restart, or the HTTP API',
    );
  }
  for (const s of of('ctlplugin')) report.warn({ file: s.file, line: s.line, section: s.name }, 'supervisorctl plugins are not supported');
  for (const s of of('eventlistener')) {
    report.warn(
      { file: s.file, line: s.line, section: s.name },
      'event listeners are not supported, so this program is not created; subscribe to state changes on the SSE ' +
        'stream (GET /events) instead',
    );
  }
  for (const s of of('fcgi-program')) {
    report.warn(
      { file: s.file, line: s.line, section: s.name },
      'FastCGI programs (a socket opened by the supervisor and passed as fd 0) are not supported, so this program is not created',
    );
  }
  return conf;
}

/** Variables that %(ENV_X)s read from the environment, for the note on what was baked in. */
function envReferences(sections: IniSection[], env: Readonly<Record<string, string | undefined>>): string[] {
  const names = new Set<string>();
  for (const s of sections) {
    for (const e of s.entries) {
      for (const ref of referencedNames(e.value)) {
        if (ref.startsWith('ENV_') && env[ref.slice(4)] !== undefined) names.add(ref.slice(4));
      }
    }
  }
  return [...names].sort();
}
