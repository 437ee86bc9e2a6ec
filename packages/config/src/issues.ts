// One problem in a config, a rules file or any file a person wrote, and how it is shown:
// `file:line:column  path: message (hint)`, one line each, every problem at once. The supervisor,
// failover, guard's rules and the CLI all report this way. Zero dependencies.

/** One problem in a file: where it is and what to do about it. */
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

/** `programs.web.listen[0].port`; `(root)` for the empty path. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** `file:line:column`, `file:line`, `file`, `line N`, or '' when nothing is known. */
export function formatWhere(issue: Pick<ConfigIssue, 'file' | 'line' | 'column'>): string {
  const { file, line, column } = issue;
  if (!file) return line ? `line ${line}` : '';
  return `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}`;
}

/** One issue as `file:line:column  path: message (hint)`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = formatWhere(issue);
  return `${where ? `${where}  ` : ''}${formatPath(issue.path)}: ${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`;
}

/** Renders issues one per line, indented, as `  file:line:column  path: message (hint)`. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  ${formatIssue(i)}`).join('\n');
}
