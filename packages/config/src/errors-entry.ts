// @holdfast/config/errors: the error dialect every package uses (errorClass, HoldfastError,
// hasCode) and config's own ConfigError. No dependencies.
export { errorClass, hasCode, HoldfastError, type ErrorClass, type ErrorClassOptions, type ErrorDetails, type ErrorRow, type ErrorTable } from './error-class.ts';
export { ConfigError, configErrors, type ConfigErrorCode } from './errors.ts';
