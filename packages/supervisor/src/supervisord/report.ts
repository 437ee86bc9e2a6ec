// Collects what reading a supervisord.conf found: errors (the file is rejected whole, every
// error listed at once) and warnings (something that holdfast does differently or not at all).
import { ConfigError, formatIssues, type ConfigIssue } from '@holdfast/config';
import { capLines, MAX_LISTED } from '../util/cap-lines.ts';
import { FormatError } from './pyformat.ts';
import { ValueProblem } from './values.ts';

/** Something in the supervisord.conf that holdfast does not carry over as is. */
export interface ConvertWarning {
  file: string;
  line?: number;
  /** The section, e.g. 'program:web'. */
  section?: string;
  key?: string;
  message: string;
}

/** Where a value came from: enough to point a person at the line. */
export interface Origin {
  file: string;
  line: number;
  section: string;
  key?: string;
}

/** One line: `file:line [section] key: message`. */
export function formatWarning(w: ConvertWarning): string {
  const where = `${w.file}${w.line === undefined ? '' : `:${w.line}`}`;
  return `${where}${w.section === undefined ? '' : ` [${w.section}]`}${w.key === undefined ? '' : ` ${w.key}`}: ${w.message}`;
}

export class Report {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConvertWarning[] = [];
  /** Files in reading order (main file first), to list problems the way a person reads them. */
  fileOrder: string[] = [];

  error(at: Origin, message: string, hint?: string): void {
    this.errors.push({
      file: at.file,
      line: at.line,
      path: at.key === undefined ? [at.section] : [at.section, at.key],
      message,
      ...(hint ? { hint } : {}),
    });
  }

  warn(at: Origin | { file: string; line?: number; section?: string; key?: string }, message: string): void {
    const w: ConvertWarning = { file: at.file, message };
    if (at.line !== undefined) w.line = at.line;
    if (at.section !== undefined) w.section = at.section;
    if (at.key !== undefined) w.key = at.key;
    // Not enumerable, so JSON and deepEqual see plain data; a caller that treats warnings as text
    // (string interpolation) still gets the readable line.
    Object.defineProperty(w, 'toString', { value: () => formatWarning(w), enumerable: false });
    this.warnings.push(w);
  }

  /** Records a ValueProblem or FormatError thrown by `fn` as an error at `at`; returns undefined then. */
  attempt<T>(at: Origin, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ValueProblem) {
        this.error(at, err.message, err.hint);
        return undefined;
      }
      if (err instanceof FormatError) {
        this.error(at, ...describeFormatError(err));
        return undefined;
      }
      throw err;
    }
  }

  throwIfErrors(file: string): void {
    if (this.errors.length === 0) return;
    const rank = (f: string | undefined) => (f === undefined ? -1 : this.fileOrder.indexOf(f));
    const sorted = [...this.errors].sort((a, b) => rank(a.file) - rank(b.file) || (a.line ?? 0) - (b.line ?? 0));
    const heading = `invalid supervisord configuration in ${file}`;
    const err = new ConfigError(sorted, heading);
    // Every issue stays in err.issues (JSON output); the message lists the first ones and a count.
    if (sorted.length > MAX_LISTED) err.message = `${heading}:\n${capLines(formatIssues(sorted).split('\n'), 'errors').join('\n')}`;
    throw err;
  }
}

function describeFormatError(err: FormatError): [string, string | undefined] {
  const p = err.problem;
  if (p.kind === 'malformed') return [`bad %-expansion: ${p.reason}`, undefined];
  if (p.name.startsWith('ENV_')) {
    const v = p.name.slice(4);
    return [
      `%(${p.name})s refers to the environment variable ${v}, which is not set`,
      `set ${v} in the environment before starting, or define it in [supervisord] environment=`,
    ];
  }
  return [
    `%(${p.name})s is not a name supervisord can expand here`,
    'available: ENV_<VAR>, here, program_name, group_name, process_num, numprocs, host_node_name (process_num only ' +
      'inside the loop keys such as command); write %% for a literal percent sign',
  ];
}
