// @holdfast/config/errors: the error dialect every package uses (errorClass, HoldfastError,
// hasCode) and config's own ConfigError. No dependencies.
export { errorClass, hasCode, HoldfastError } from './error-class.ts';
export type { ErrorClass, ErrorClassOptions, ErrorDetails, ErrorRow, ErrorTable } from './error-class.ts';
export { ConfigError, configErrors, type ConfigErrorCode } from './errors.ts';
