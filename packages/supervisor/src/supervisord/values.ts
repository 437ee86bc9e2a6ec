// supervisord's value types (its `datatypes.py`), with its exact spellings: booleans as
// yes/true/on/1 and no/false/off/0, sizes as 50MB (binary multiples), signals by name or number,
// `autorestart` true/false/unexpected, log files AUTO/NONE/syslog or a path. Each parser returns
// the value or throws ValueProblem, which the caller turns into an error with file and line.
import { homedir } from 'node:os';
import { constants } from 'node:os';
import { keyValueTokens, ShlexError } from './shlex.ts';

export class ValueProblem extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'ValueProblem';
    this.hint = hint;
  }
}

const TRUTHY = ['yes', 'true', 'on', '1'];
const FALSY = ['no', 'false', 'off', '0'];

/** Python's int(): surrounding blanks, an optional sign, digits with single underscores between. */
export function parseInteger(value: string): number {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(value);
  if (!m) throw new ValueProblem(`'${value}' is not an integer`, 'write a whole number such as 3');
  const n = Number(m[2]!.replaceAll('_', ''));
  return m[1] === '-' ? -n : n;
}

export function parseNonNegative(value: string): number {
  const n = parseInteger(value);
  if (n < 0) throw new ValueProblem(`${n} is negative`, 'use 0 or a positive number');
  return n;
}

export function parseBoolean(value: string): boolean {
  const v = value.toLowerCase();
  if (TRUTHY.includes(v)) return true;
  if (FALSY.includes(v)) return false;
  throw new ValueProblem(`'${value}' is not a boolean`, 'use true or false (supervisord also accepts yes/no, on/off, 1/0)');
}

/** Sizes like supervisord's byte_size: a plain integer, or KB/MB/GB meaning powers of 1024. */
export function parseByteSize(value: string): number {
  const v = value.toLowerCase();
  const units: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  const unit = units[v.slice(-2)];
  const digits = unit === undefined ? v : v.slice(0, -2);
  const m = /^\s*(\d+(?:_\d+)*)\s*$/.exec(digits);
  if (!m) throw new ValueProblem(`'${value}' is not a size`, 'write bytes as a number, or a number followed by KB, MB or GB (e.g. 50MB)');
  return Number(m[1]!.replaceAll('_', '')) * (unit ?? 1);
}

const SIGNAL_NAMES = constants.signals as Record<string, number>;

/** A signal given by name (TERM, SIGTERM, term) or number (15); returned as its name, e.g. 'SIGTERM'. */
export function parseSignal(value: string): NodeJS.Signals {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const num = Number(trimmed);
    const name = Object.keys(SIGNAL_NAMES).find((k) => SIGNAL_NAMES[k] === num);
    if (!name)
      throw new ValueProblem(`${num} is not a signal number on this system`, 'use a signal name such as TERM, INT, QUIT, HUP, USR1');
    return name as NodeJS.Signals;
  }
  const upper = trimmed.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!(name in SIGNAL_NAMES))
    throw new ValueProblem(`'${value}' is not a signal name`, 'use one of TERM, INT, QUIT, HUP, KILL, USR1, USR2');
  return name as NodeJS.Signals;
}

/** A comma-separated list of exit codes, each 0..255. Empty means none. */
export function parseExitCodes(value: string): number[] {
  if (value === '') return [];
  return value.split(',').map((part) => {
    let n: number;
    try {
      n = parseInteger(part);
    } catch {
      throw new ValueProblem(`'${value}' is not a list of exit codes`, 'write exit codes separated by commas, e.g. 0,2');
    }
    if (n < 0 || n > 255) throw new ValueProblem(`exit code ${n} is out of range`, 'exit codes are 0 to 255');
    return n;
  });
}

export type AutoRestart = 'always' | 'never' | 'on-failure';

/** supervisord's autorestart: true → always, false → never, unexpected → on-failure (exit code not in exitcodes). */
export function parseAutoRestart(value: string): AutoRestart {
  const v = value.toLowerCase();
  if (TRUTHY.includes(v)) return 'always';
  if (FALSY.includes(v)) return 'never';
  if (v === 'unexpected') return 'on-failure';
  throw new ValueProblem(`'${value}' is not an autorestart value`, 'use true, false or unexpected');
}

export type LogTarget = { kind: 'auto' } | { kind: 'none' } | { kind: 'syslog' } | { kind: 'file'; path: string };

/** A *_logfile value: AUTO, NONE/OFF, syslog, or a path (with ~ expanded, as supervisord does). */
export function parseLogTarget(value: string): LogTarget {
  const v = value.toLowerCase();
  if (v === 'none' || v === 'off') return { kind: 'none' };
  if (v === 'auto') return { kind: 'auto' };
  if (v === 'syslog') return { kind: 'syslog' };
  return { kind: 'file', path: expandUser(value) };
}

export function expandUser(path: string): string {
  if (path === '~' || path.startsWith('~/')) return homedir() + path.slice(1);
  return path;
}

/** A process or group name: supervisord forbids spaces, colons and slashes. */
export function checkName(name: string): string {
  const s = name.trim();
  for (const ch of [' ', ':', '/']) {
    if (s.includes(ch))
      throw new ValueProblem(`name '${name}' contains '${ch === ' ' ? 'a space' : ch}'`, 'names may not contain spaces, colons or slashes');
  }
  if (s === '') throw new ValueProblem('the name is empty', 'give the section a name, e.g. [program:web]');
  return s;
}

export interface KeyValueResult {
  pairs: Record<string, string>;
  /** Tokens supervisord silently treated as separators although they are not commas. */
  oddSeparators: string[];
}

/** `KEY="val",KEY2=val2` as supervisord's dict_of_key_value_pairs reads it (quotes allow commas). */
export function parseKeyValuePairs(value: string): KeyValueResult {
  let tokens: string[];
  try {
    tokens = keyValueTokens(value);
  } catch (err) {
    if (err instanceof ShlexError)
      throw new ValueProblem(`cannot read the environment list: ${err.message}`, 'quote values with "..." and close every quote');
    throw err;
  }
  const pairs: Record<string, string> = {};
  const oddSeparators: string[] = [];
  for (let i = 0; i < tokens.length; i += 4) {
    const [k, eq, v] = tokens.slice(i, i + 3);
    if (k === undefined || eq !== '=' || v === undefined) {
      const near = tokens.slice(i, i + 3).join(' ');
      throw new ValueProblem(
        `unexpected end of KEY=value pairs near '${near}'`,
        'write KEY="value",KEY2="value2" and quote values that contain characters other than letters, digits and /.+-():_',
      );
    }
    pairs[k] = v;
    const sep = tokens[i + 3];
    if (sep !== undefined && sep !== ',') oddSeparators.push(sep);
  }
  return { pairs, oddSeparators };
}

/** `port=` of [inet_http_server]: `host:port`, `*:port`, `:port` or `port`. An empty host means every interface. */
export function parseInetAddress(value: string): { host: string; port: number } {
  let host = '';
  let portText = value;
  const colon = value.lastIndexOf(':');
  if (colon !== -1) {
    host = value.slice(0, colon).toLowerCase();
    portText = value.slice(colon + 1);
  }
  let port: number;
  try {
    port = parseInteger(portText);
  } catch {
    throw new ValueProblem(`'${value}' has no valid port number`, 'write host:port, e.g. 127.0.0.1:9001');
  }
  if (port < 1 || port > 65535) throw new ValueProblem(`port ${port} is out of range`, 'ports are 1 to 65535');
  return { host: host === '*' ? '' : host, port };
}
