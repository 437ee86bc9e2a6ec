// Every error code of @holdfast/insight in one table: the code is stable (the CLI, the daemon's
// API and scripts match on it), the status is what an API answers with, the text says what
// happened; the detail passed at the throw site says where and what to do. Add a row here rather
// than throwing an ad-hoc Error. The table shape, the class factory and the issue format are
// holdfast's one dialect (@holdfast/config's zero-dependency subpaths).
import { errorClass } from '@holdfast/config/errors';
import { type ConfigIssue, formatIssues, formatPath } from '@holdfast/config/issues';

export const insightErrors = {
  HOLDFAST_E_SIGNAL: { status: 400, message: 'the signal was rejected' },
  HOLDFAST_E_KNOWLEDGE: { status: 400, message: 'invalid knowledge base' },
  HOLDFAST_E_INCIDENTS_CONFIG: { status: 400, message: 'invalid incident configuration' },
  HOLDFAST_E_INCIDENT_STORE: { status: 500, message: 'the incident store cannot be used' },
  HOLDFAST_E_UNKNOWN_INCIDENT: { status: 404, message: 'no such incident' },
  HOLDFAST_E_INCIDENT_STATE: { status: 409, message: 'the incident is not in a state that allows this' },
  HOLDFAST_E_RULE_FILE: { status: 400, message: 'cannot read or parse an alert rule file' },
  HOLDFAST_E_INSIGHT_OPTIONS: { status: 400, message: 'invalid log mining options' },
  HOLDFAST_E_INSIGHT_STATE: { status: 400, message: 'the saved template state cannot be restored' },
  HOLDFAST_E_INSIGHT_DETECTOR: { status: 400, message: 'invalid pattern-change detector options' },
  HOLDFAST_E_PROMQL_PARSE: { status: 400, message: 'the PromQL expression does not parse' },
  HOLDFAST_E_PROMQL_UNSUPPORTED: { status: 400, message: 'the PromQL expression uses a feature the embedded evaluator does not implement' },
  HOLDFAST_E_PROMQL_EVAL: { status: 422, message: 'the PromQL expression failed to evaluate' },
  HOLDFAST_E_REPLAY: { status: 400, message: 'the replay cannot be read' },
  HOLDFAST_E_ALERTS_CONFIG: { status: 400, message: 'invalid alert or SLO definitions' },
} as const;

export type InsightErrorCode = keyof typeof insightErrors;

/** One problem in a file or a body: where it is and how to fix it (@holdfast/config's ConfigIssue). */
export type Issue = ConfigIssue;

export { formatIssues, formatPath };

const InsightErrorBase = errorClass('InsightError', insightErrors, { prefix: true });

/** An error of the insight package: a stable `code`, a message naming what, where and the fix. */
export class InsightError extends InsightErrorBase {
  readonly issues: Issue[];
  constructor(code: InsightErrorCode, detail: string, issues: Issue[] = [], options?: ErrorOptions) {
    super(code, `${detail}${issues.length ? `\n${formatIssues(issues)}` : ''}`, undefined, options);
    this.name = 'InsightError';
    this.issues = issues;
  }
}
