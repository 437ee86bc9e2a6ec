/** One problem in a config: where it is and what to do about it. */
export interface ConfigIssue {
  file?: string;
  line?: number;
  column?: number;
  /** Path of keys and indexes to the offending value, e.g. ['programs', 'web', 'stopSignal']. */
  path: (string | number)[];
  message: string;
  /** The fix, when one can be suggested (e.g. "did you mean 'stopSignal'?"). */
  hint?: string;
}

/** A config that did not validate. Carries every issue found, never just the first. */
export class ConfigError extends Error {
  readonly code = 'HOLDFAST_E_CONFIG';
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], heading = 'invalid configuration') {
    super(`${heading}:\n${formatIssues(issues)}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Renders issues one per line as `file:line:column  path: message (hint)`. */
export function formatIssues(issues: ConfigIssue[]): string {
  return issues
    .map((i) => {
      const where = i.file ? `${i.file}${i.line ? `:${i.line}${i.column ? `:${i.column}` : ''}` : ''}` : i.line ? `line ${i.line}` : '';
      return `  ${where ? where + '  ' : ''}${formatPath(i.path)}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`;
    })
    .join('\n');
}
