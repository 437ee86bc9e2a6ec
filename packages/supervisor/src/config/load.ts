// Loads a supervisor config: YAML or JSON through @holdfast/config (every issue with file,
// line, column and did-you-mean), or a supervisord.conf through its reader. Then resolves what
// the file leaves implicit: paths relative to the file, envFile values merged under env, the
// state directory, log directory and control socket. Nothing is returned unless it all holds.
import { ConfigError, loadConfigFile, type ConfigIssue } from '@holdfast/config';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { resolveAlerts } from '@holdfast/insight/alerts-schema';
import type { AlertsConfig } from '@holdfast/insight/promql';
import { z } from 'zod';
import { checkDaemonAlerts } from '../insight/alerts-config.ts';
import { fileChecks, type FileCheckResults } from './file-checks.ts';
import { configId, defaultSocketPath, stateBase } from './paths.ts';
import type { ScrapeConfig } from '../insight/scrape-config.ts';
import { dashboardWarnings, movedGuardMetrics, type DashboardConfig, type ResolvedDashboardConfig } from '../dashboard/config.ts';
import {
  supervisorConfigSchema,
  type DaemonConfig,
  type GroupConfig,
  type ProgramConfig,
  type SupervisorConfig,
  type SupervisorConfigInput,
} from './schema.ts';

export interface ResolvedDaemonConfig extends DaemonConfig {
  socket: string;
  stateDir: string;
  logDir: string;
  /** The bearer token of the TCP control API (from token or tokenFile). */
  token?: string;
}

/** A validated config with every path absolute and every default filled in. */
export interface ResolvedConfig {
  /** Absolute path of the file it came from. */
  file: string;
  /** Stable id of the config: names the state directory and the cgroup subtree. */
  id: string;
  supervisor: ResolvedDaemonConfig;
  programs: Record<string, ProgramConfig>;
  groups: Record<string, GroupConfig>;
  /** The incident loop's settings; absent when the config has no `incidents:` section. */
  incidents?: SupervisorConfig['incidents'];
  /** The daemon's metrics store; absent when the config has no `scrape:` section. */
  scrape?: ScrapeConfig;
  /** The dashboard's settings, paths absolute; absent when the config has no `dashboard:` section. */
  dashboard?: ResolvedDashboardConfig;
  /** The alerts:/slos: sections as rule specs, when the daemon evaluates them (there is a `scrape:` section too). */
  alerting?: AlertsConfig;
  /** The log miner's daemon-wide settings; absent: the defaults (docs/log-mining.md). */
  mining?: SupervisorConfig['mining'];
  /** Things that load but deserve a look (unsupported supervisord keys, reserved fields). */
  warnings: string[];
}

/** What the supervisord.conf reader hands over: the holdfast config in its input form. */
export interface SupervisordReadResult {
  config: SupervisorConfigInput;
  warnings: string[];
}

/** The schema plus the checks that read files relative to `baseDir`. */
export function schemaWithFileChecks(baseDir: string, results: FileCheckResults) {
  return supervisorConfigSchema
    .check(z.superRefine(fileChecks(baseDir, results), { when: () => true }))
    .check(z.superRefine(checkDaemonAlerts, { when: () => true }));
}

export interface LoadOptions {
  /** Refuse what supervisord only warns about (an [include] that matches no file). */
  strict?: boolean;
}

async function readSupervisordConf(file: string, opts: LoadOptions): Promise<SupervisordReadResult> {
  // Loaded only for .conf/.ini files: a YAML config never pays for the INI reader.
  const mod = await import('../supervisord/index.ts');
  const { config, warnings } = mod.readSupervisordConf(file, { strict: opts.strict === true });
  return { config, warnings: warnings.map((w) => mod.formatWarning(w)) };
}

function issuesFromZod(file: string, error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({
    file,
    path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
    message: i.message.replace(/^Invalid input: /, ''),
  }));
}

/** Fills in defaults that depend on where the file is. */
export function resolveConfig(cfg: SupervisorConfig, file: string, results: FileCheckResults, warnings: string[] = []): ResolvedConfig {
  const abs = resolve(file);
  const baseDir = dirname(abs);
  const id = configId(abs);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const stateDir = cfg.supervisor.stateDir ? at(cfg.supervisor.stateDir) : join(stateBase(), id);
  const logDir = cfg.supervisor.logDir ? at(cfg.supervisor.logDir) : join(stateDir, 'logs');
  const socket = cfg.supervisor.socket ? at(cfg.supervisor.socket) : defaultSocketPath();
  const token = cfg.supervisor.http?.token ?? results.token;
  const programs: Record<string, ProgramConfig> = {};
  for (const [name, p] of Object.entries(cfg.programs)) {
    const logs = {
      ...p.logs,
      stdout: { ...p.logs.stdout, ...(typeof p.logs.stdout.file === 'string' ? { file: at(p.logs.stdout.file) } : {}) },
      stderr: { ...p.logs.stderr, ...(typeof p.logs.stderr.file === 'string' ? { file: at(p.logs.stderr.file) } : {}) },
    };
    programs[name] = { ...p, cwd: at(p.cwd ?? '.'), env: { ...(results.envFiles.get(name) ?? {}), ...p.env }, logs };
    const own = programs[name].env.HOLDFAST_TERMINATION_GRACE_MS;
    if (own !== undefined && !(Number(own) <= p.stopTimeoutMs)) {
      warnings.push(
        `programs.${name}.env.HOLDFAST_TERMINATION_GRACE_MS ` +
          `is ${own} ms, more than its stopTimeoutMs ` +
          (`(${p.stopTimeoutMs} ms): the service plans a shutdown that the supervisor cuts short with SIGKILL. Remove ` +
            `it (the supervisor passes stopTimeoutMs down as HOLDFAST_TERMINATION_GRACE_MS) or raise stopTimeoutMs`),
      );
    }
    const probe =
      p.ready.kind === 'tcp' ? Number(p.ready.port) : p.ready.kind === 'http' ? Number(new URL(p.ready.url).port || 80) : undefined;
    if (p.listen?.some((l) => l.port === probe)) {
      warnings.push(
        `programs.${name}.ready: ` +
          `the ${p.ready.kind} probe goes to the shared ` +
          `port ${probe}, where any instance may ` +
          `answer; it cannot prove that a new instance is ready during 'holdfast reload'. Use ready: {notify: true} ` +
          `or {message: true} (the program reports its own readiness), or probe a per-instance port`,
      );
    }
  }
  // One place says where a program's metrics are: the deprecated dashboard.guard.<p>.metrics moves
  // to programs.<p>.metrics (the schema refused a config that sets both).
  for (const m of cfg.dashboard ? movedGuardMetrics(cfg.dashboard) : []) {
    programs[m.program] = { ...programs[m.program]!, metrics: m.url };
    warnings.push(m.warning);
  }
  // Resolved here, in the loading child: the daemon gets plain specs and never loads zod for them.
  const alerting = cfg.scrape && (cfg.alerts || cfg.slos) ? resolveAlerts(cfg.alerts, cfg.slos).config : undefined;
  if (alerting && !cfg.incidents) {
    warnings.push(
      'alerts/slos: the daemon evaluates these rules (there is a scrape: section) but has no incidents: section to ' +
        'raise incidents with: firing alerts are only logged. Add incidents: (docs/incidents.md)',
    );
  }
  return {
    file: abs,
    id,
    supervisor: { ...cfg.supervisor, socket, stateDir, logDir, ...(token ? { token } : {}) },
    programs,
    groups: cfg.groups,
    ...(cfg.incidents ? { incidents: cfg.incidents } : {}),
    ...(cfg.scrape ? { scrape: cfg.scrape } : {}),
    ...(cfg.dashboard ? { dashboard: resolveDashboard(cfg.dashboard, at, warnings) } : {}),
    ...(alerting ? { alerting } : {}),
    ...(cfg.mining ? { mining: cfg.mining } : {}),
    warnings,
  };
}

function resolveDashboard(d: DashboardConfig, at: (p: string) => string, warnings: string[]): ResolvedDashboardConfig {
  warnings.push(...dashboardWarnings(d));
  const guard = Object.fromEntries(Object.entries(d.guard).map(([name, g]) => [name, g.rules ? { rules: at(g.rules) } : {}]));
  const f = d.failover;
  const failover = f && {
    ...f,
    ...(f.status.startsWith('http') ? {} : { status: at(f.status) }),
    ...(f.tokenFile ? { tokenFile: at(f.tokenFile) } : {}),
    ...(f.drills ? { drills: at(f.drills) } : {}),
  };
  return { ...d, guard, ...(failover ? { failover } : {}) };
}

/** Reads, validates and resolves a config file (.yaml, .yml, .json, or supervisord .conf/.ini). */
export async function loadSupervisorConfig(file: string, opts: LoadOptions = {}): Promise<ResolvedConfig> {
  const abs = resolve(file);
  const results: FileCheckResults = { envFiles: new Map() };
  const ext = extname(abs).toLowerCase();
  if (ext === '.conf' || ext === '.ini') {
    const { config, warnings } = await readSupervisordConf(abs, opts);
    const parsed = schemaWithFileChecks(dirname(abs), results).safeParse(config);
    if (!parsed.success) throw new ConfigError(issuesFromZod(abs, parsed.error), `invalid configuration converted from ${abs}`);
    return resolveConfig(parsed.data, abs, results, [...warnings]);
  }
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    throw new ConfigError([
      {
        file: abs,
        path: [],
        message: `unsupported config format '${ext || '(no extension)'}'`,
        hint: 'use .yaml, .yml or .json, or a supervisord .conf/.ini file',
      },
    ]);
  }
  const cfg = loadConfigFile(abs, schemaWithFileChecks(dirname(abs), results));
  return resolveConfig(cfg, abs, results);
}
