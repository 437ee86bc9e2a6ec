// Public API of @holdfast/supervisor.
export { SupervisorError, supervisorErrors, hasCode, type SupervisorErrorCode } from './errors.ts';
export {
  supervisorConfigSchema,
  programSchema,
  groupSchema,
  daemonSchema,
  limitsSchema,
  livenessSchema,
  logsSchema,
  NAME_PATTERN,
  type SupervisorConfigInput,
  type SupervisorConfig,
  type ProgramConfigInput,
  type ProgramConfig,
  type GroupConfig,
  type DaemonConfig,
  type LimitsConfig,
  type LivenessConfig,
  type LogsConfig,
  type LogStreamConfig,
  type BackoffConfig,
  type ReadyCheck,
  type Autorestart,
} from './config/schema.ts';
export { loadSupervisorConfig, resolveConfig, type ResolvedConfig, type ResolvedDaemonConfig, type SupervisordReadResult } from './config/load.ts';
export { supervisorJsonSchema } from './config/json-schema.ts';
export { splitCommandLine } from './config/command-line.ts';
export { parseEnvFile } from './config/env-file.ts';
export { configId, defaultSocketPath, stateBase } from './config/paths.ts';
export { readSupervisordConf, formatWarning, type ConvertWarning, type SupervisordConversion } from './supervisord/index.ts';
