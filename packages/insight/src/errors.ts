// Every error code of @holdfast/insight in one table: the code is stable (the CLI, the daemon's
// API and scripts match on it), the text says what happened; the detail passed at the throw site
// says where and what to do. Add a row here rather than throwing an ad-hoc Error.

export const insightErrors = {
  HOLDFAST_E_SIGNAL: 'the signal was rejected',
  HOLDFAST_E_KNOWLEDGE: 'invalid knowledge base',
  HOLDFAST_E_INCIDENTS_CONFIG: 'invalid incident configuration',
  HOLDFAST_E_INCIDENT_STORE: 'the incident store cannot be used',
  HOLDFAST_E_UNKNOWN_INCIDENT: 'no such incident',
  HOLDFAST_E_INCIDENT_STATE: 'the incident is not in a state that allows this',
  HOLDFAST_E_RULE_FILE: 'cannot read or parse an alert rule file',
  HOLDFAST_E_INSIGHT_OPTIONS: 'invalid log mining options',
  HOLDFAST_E_INSIGHT_STATE: 'the saved template state cannot be restored',
  HOLDFAST_E_INSIGHT_DETECTOR: 'invalid pattern-change detector options',
} as const;

export type InsightErrorCode = keyof typeof insightErrors;

/** One problem in a file or a body: where it is and how to fix it (the shape of @holdfast/config's ConfigIssue). */
export interface Issue {
  file?: string;
  line?: number;
  column?: number;
  /** Keys and indexes down to the offending value, e.g. ['entries', 3, 'match', 'regex']. */
  path: (string | number)[];
  message: string;
  hint?: string;
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** `file:line:column  path: message (hint)`, one issue per line. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues
    .map((i) => {
      const where = i.file ? `${i.file}${i.line ? `:${i.line}${i.column ? `:${i.column}` : ''}` : ''}` : i.line ? `line ${i.line}` : '';
      return `  ${where ? `${where}  ` : ''}${formatPath(i.path)}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`;
    })
    .join('\n');
}

/** An error of the insight package: a stable `code`, a message naming what, where and the fix. */
export class InsightError extends Error {
  readonly code: InsightErrorCode;
  readonly issues: Issue[];
  constructor(code: InsightErrorCode, detail: string, issues: Issue[] = [], options?: ErrorOptions) {
    super(`${insightErrors[code]}: ${detail}${issues.length ? `\n${formatIssues(issues)}` : ''}`, options);
    this.name = 'InsightError';
    this.code = code;
    this.issues = issues;
  }
}
