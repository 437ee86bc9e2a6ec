// Every error code of @holdfast/config, in the table shape every package uses (see
// error-class.ts). Zero dependencies: the supervisor daemon and guard's core import it.
import { errorClass } from './error-class.ts';
import { type ConfigIssue, formatIssues } from './issues.ts';

export const configErrors = {
  HOLDFAST_E_CONFIG: { status: 400, message: 'invalid configuration' },
} as const;

export type ConfigErrorCode = keyof typeof configErrors;

const ConfigErrorBase = errorClass('ConfigError', configErrors, { prefix: false });

/** A config that did not validate. Carries every issue found, never just the first. */
export class ConfigError extends ConfigErrorBase {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], heading: string = configErrors.HOLDFAST_E_CONFIG.message) {
    super('HOLDFAST_E_CONFIG', `${heading}:\n${formatIssues(issues)}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
