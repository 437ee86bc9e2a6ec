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
  type ListenConfig,
  type ReloadConfig,
  type ReadyCheck,
  type Autorestart,
} from './config/schema.ts';
export {
  loadSupervisorConfig,
  resolveConfig,
  type LoadOptions,
  type ResolvedConfig,
  type ResolvedDaemonConfig,
  type SupervisordReadResult,
} from './config/load.ts';
export { supervisorJsonSchema } from './config/json-schema.ts';
export { splitCommandLine } from './config/command-line.ts';
export { parseEnvFile } from './config/env-file.ts';
export { configId, defaultSocketPath, stateBase } from './config/paths.ts';
export { readSupervisordConf, formatWarning, type ConvertWarning, type SupervisordConversion } from './supervisord/index.ts';
export { Supervisor, type SupervisorOptions } from './runner/supervisor.ts';
export { Daemon, type DaemonOptions, VERSION } from './daemon/daemon.ts';
export { SupervisorClient, supervisorControl, type ClientOptions, type LogOptions, type ProgramControl } from './api/client.ts';
export { findDaemon, clientFor, type FindOptions } from './api/find-daemon.ts';
export type {
  InstanceStatus,
  DaemonStatus,
  StatusReport,
  GuardStatus,
  GuardInstanceStatus,
  GuardRuleStatus,
  ActionResult,
  ActionOptions,
  UpdateResult,
  ReloadResult,
  SupervisorEvent,
  ExitSummary,
  CgroupStatus,
  ApiErrorBody,
} from './api/types.ts';
export { PROCESS_STATES, SPAWN_ERRORS, spawnErrorKind, type ProcessStateName, type ExitReason } from './state/states.ts';
export { transition } from './state/machine.ts';
export { detectCgroups, type DetectOptions } from './cgroup/detect.ts';
export type { CgroupDriver, CgroupHandle, CgroupDetection } from './cgroup/types.ts';
export { planRollout, type RolloutStep } from './runner/rollout-plan.ts';
export { findPortHolders, type PortHolder } from './sockets/port-holder.ts';
export { systemdUnit, notifyLines, quote as systemdQuote, type SystemdUnitOptions } from './systemd-unit.ts';
export { daemonArgv, daemonEntry, DAEMON_NODE_FLAGS } from './daemon/launch.ts';
export { IncidentsClient, type IncidentQuery, type LearnRequest } from './insight/client.ts';
export type { IncidentsStatus } from './insight/incidents.ts';
export { capLines, MAX_LISTED } from './util/cap-lines.ts';
export { startProblems, shortPath } from './process/preflight.ts';
export { ExplainClient } from './insight/explain-client.ts';
export type { ExplainResult, ScrapeStatus } from './insight/daemon-scrape.ts';
export type { TargetStatus } from './insight/scraper.ts';
export { applyNodeHeap, isNodeCommand, type NodeHeapMode } from './process/node-heap.ts';
export type { PatternsReport, TemplateInfo, TemplateEvent, MiningStatus, Trend } from './insight/mining-view.ts';
export { TemplateAnnotator, type AnnotatorContext, type TemplateFields } from './insight/template-annotator.ts';
export type { LogTransform } from './logs/rotating-log.ts';
