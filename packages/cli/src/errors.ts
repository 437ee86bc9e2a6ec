// Every error code the `holdfast` command itself raises, in the table shape every package uses
// (@holdfast/config/errors). Errors of the packages it drives keep their own codes.
import { errorClass, type HoldfastError } from '@holdfast/config/errors';

export const cliErrors = {
  // Printed with the command's usage; exit code 2.
  HOLDFAST_E_USAGE: { status: 400, message: 'the command line is not valid' },
} as const;

export type CliErrorCode = keyof typeof cliErrors;

export const CliError = errorClass('CliError', cliErrors, { prefix: false });
export type CliError = HoldfastError<CliErrorCode>;

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('HOLDFAST_E_USAGE', message);
    this.name = 'UsageError';
  }
}
