// Every error @holdfast/guard raises, in one table: a stable code, the HTTP status an adapter
// answers with, and what a person should do about it. The table shape, the class factory and
// the issue format are holdfast's one dialect (@holdfast/config's zero-dependency subpaths).
import { errorClass, type HoldfastError } from '@holdfast/config/errors';
import { type ConfigIssue, formatIssue } from '@holdfast/config/issues';

export const errorTable = {
  HOLDFAST_E_BLOCKED_FLOW: {
    status: 429,
    message: 'blocked by a flow rule: the resource is over its QPS or concurrency threshold; retry later or raise the rule threshold',
  },
  HOLDFAST_E_BLOCKED_HOTKEY: {
    status: 429,
    message: 'blocked by a per-key (hot-parameter) rule: this key is over its threshold; retry later or add an override for the key',
  },
  HOLDFAST_E_BLOCKED_CONCURRENCY: {
    status: 429,
    message: 'blocked by an isolation rule: the resource already runs its maximum number of concurrent calls',
  },
  HOLDFAST_E_BLOCKED_BREAKER: {
    status: 503,
    message: 'blocked by an open circuit breaker: the resource is failing; calls resume after the retry timeout',
  },
  HOLDFAST_E_BLOCKED_SYSTEM: { status: 503, message: 'shed by adaptive system protection: the process is overloaded; retry later' },
  HOLDFAST_E_RULES: { status: 500, message: 'invalid rules: nothing was swapped, the previous rules stay active' },
  HOLDFAST_E_RULES_FILE: { status: 500, message: 'cannot read or parse the rules file: the previous rules stay active' },
  HOLDFAST_E_TIMEOUT: { status: 504, message: 'the guarded call did not finish within timeoutMs and was aborted; it counts as an error' },
  HOLDFAST_E_ABORTED: { status: 499, message: 'the caller aborted while the request waited in a throttling queue' },
  HOLDFAST_E_OPTIONS: { status: 500, message: 'invalid options' },
  HOLDFAST_E_CLOSED: { status: 500, message: 'the guard is closed; create a new one' },
} as const;

export type GuardErrorCode = keyof typeof errorTable;

/** Base of every error this package throws; `code` is stable and documented in errorTable. */
export const GuardError = errorClass('GuardError', errorTable, { prefix: false });
export type GuardError = HoldfastError<GuardErrorCode>;

/** One problem in a rule set: where (a path into the rules object, and file:line once located) and what is wrong. */
export type RuleIssue = ConfigIssue;

export { formatIssue };

/** A rule set (or rules file) was rejected as a whole; `issues` lists every problem found. */
export class RulesError extends GuardError {
  readonly issues: RuleIssue[];
  constructor(issues: RuleIssue[], code: 'HOLDFAST_E_RULES' | 'HOLDFAST_E_RULES_FILE' = 'HOLDFAST_E_RULES', options?: ErrorOptions) {
    const n = issues.length;
    const list = issues.map((i) => `  - ${formatIssue(i)}`).join('\n');
    super(code, `${errorTable[code].message}; ${n} problem${n === 1 ? '' : 's'}:\n${list}`, undefined, options);
    this.name = 'RulesError';
    this.issues = issues;
  }
}
