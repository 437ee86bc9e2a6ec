export { ConfigError, type ConfigIssue, formatIssues } from './errors.ts';
export { parseConfigText, loadConfigFile, type ParseOptions } from './load.ts';
export { didYouMean } from './did-you-mean.ts';
export { duration, bytes, parseDuration, parseBytes, signalName } from './units.ts';
export { toJsonSchema } from './json-schema.ts';
