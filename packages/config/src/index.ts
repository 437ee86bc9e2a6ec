// @holdfast/config: config files validated by zod, with every problem reported at once (file,
// line, column, path, did-you-mean), and the shared pieces every holdfast package reports with.
// The root needs zod and yaml. The subpaths need nothing and may be imported anywhere (guard's
// core, the supervisor daemon): /errors, /issues, /units, /did-you-mean; /locate needs yaml only.
export { errorClass, hasCode, HoldfastError } from './error-class.ts';
export type { ErrorClass, ErrorClassOptions, ErrorDetails, ErrorRow, ErrorTable } from './error-class.ts';
export { ConfigError, configErrors, type ConfigErrorCode } from './errors.ts';
export { formatIssue, formatIssues, formatPath, formatWhere, type ConfigIssue } from './issues.ts';
export { parseConfigText, loadConfigFile, type ParseOptions } from './load.ts';
export { didYouMean } from './did-you-mean.ts';
export { parseBytes, parseDuration, parseDurationText } from './units.ts';
export { bytes, duration, signalName } from './schemas.ts';
export { SourceMap, locateOffset, type Located, type LocateOptions } from './locate.ts';
export { toJsonSchema } from './json-schema.ts';
