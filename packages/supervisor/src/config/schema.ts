// The holdfast supervisor config (YAML or JSON), as one zod schema. It is the contract between
// the daemon, `holdfast convert` (which emits its input form from a supervisord.conf) and
// editors (through the exported JSON Schema). Durations take milliseconds or "10s"; sizes take
// bytes or "512MiB"; signals take "TERM" or "SIGTERM". Cross-field rules (dependsOn targets
// and cycles, a program in two groups) are checked here too, so every error carries a path.
import { bytes, duration, signalName } from '@holdfast/config';
import { alertsChecks, alertsSchema, slosSchema } from '@holdfast/insight/alerts-schema';
import { z } from 'zod';
import { splitCommandLine } from './command-line.ts';
import { appliesTo, isNodeCommand, nodeLimitProblem, type NodeHeapMode } from '../process/node-heap.ts';
import { crossCheck, NAME_RULE, NAME_PATTERN } from './cross-check.ts';
import { incidentsConfigSchema } from '../insight/config.ts';
import { miningConfigSchema, programMiningSchema } from '../insight/mining-config.ts';
import { forbiddenOverride } from './env-rules.ts';
import { checkScrape, programMetricsSchema, scrapeSchema } from '../insight/scrape-config.ts';
import { checkDashboard, dashboardConfigSchema } from '../dashboard/config.ts';

export { NAME_PATTERN } from './cross-check.ts';
const name = z.string().regex(NAME_PATTERN, { message: NAME_RULE });

/** A union whose error says what was expected when the value fits none of the options. */
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : typeof v);
function oneOf<const T extends readonly [z.ZodType, z.ZodType, ...z.ZodType[]]>(options: T, expected: string) {
  return z.union(options, {
    error: (iss) => (iss.code === 'invalid_union' ? `expected ${expected}, got ${kindOf(iss.input)}` : undefined),
  });
}

const port = z.number().int().min(1).max(65535);
/** A port, or a string with the `{instance}` placeholder that resolves to one per instance ("300{instance}"). */
const portOrTemplate = oneOf(
  [
    port,
    z
      .string()
      .regex(/^[0-9{}a-z]+$/)
      .refine((s) => s.includes('{instance}'), { message: 'a port string must contain {instance}' }),
  ],
  'a port number, or a string with {instance} like "300{instance}"',
);
const positiveDuration = () => duration().refine((ms) => ms > 0, { message: 'must be greater than zero' });
const envValue = oneOf([z.string(), z.number(), z.boolean()], 'a string, number or boolean').transform(String);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `env`: variables for the program, plus one reserved key, `inherit`: true (the default) passes the
 * daemon's whole environment down, false passes none of it (PATH gets a default), a list passes
 * those names only.
 */
const envSchema = z
  .record(
    z.string().regex(/^[^=\0]+$/, { message: 'an environment name cannot contain "="' }),
    oneOf([z.string(), z.number(), z.boolean(), z.array(z.string())], 'a string, number or boolean'),
  )
  .default({})
  .transform((raw, ctx) => {
    const vars: Record<string, string> = {};
    let inherit: boolean | string[] = true;
    for (const [k, v] of Object.entries(raw)) {
      if (k === 'inherit') {
        const i = z.union([z.boolean(), z.array(z.string().regex(ENV_NAME, { message: 'not an environment variable name' }))]).safeParse(v);
        if (i.success) inherit = i.data;
        else
          ctx.addIssue({
            code: 'custom',
            path: ['inherit'],
            message:
              `inherit is reserved: true (pass the daemon's environment down, the default), false (pass none ` +
              `of it), or a list of names to pass; got ${kindOf(v)}`,
          });
        continue;
      }
      const value = envValue.safeParse(v);
      if (value.success) vars[k] = value.data;
      else ctx.addIssue({ code: 'custom', path: [k], message: `expected a string, number or boolean, got ${kindOf(v)}` });
    }
    return { vars, inherit };
  });

const envOverridableSchema = z
  .array(z.string().regex(ENV_NAME, { message: 'not an environment variable name' }))
  .default([])
  .check(
    z.superRefine((names: string[], ctx) => {
      names.forEach((n, i) => {
        const why = forbiddenOverride(n);
        if (why) ctx.addIssue({ code: 'custom', path: [i], message: `${n} cannot be overridable: ${why}` });
      });
    }),
  );

/** Readiness: exactly one proof that the program is up. */
const readyInput = z
  .strictObject({
    tcp: portOrTemplate.optional(),
    host: z.string().min(1).optional(),
    http: z.string().min(1).optional(),
    expectStatus: oneOf(
      [z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)],
      'an HTTP status or a list of them',
    ).optional(),
    message: z.literal(true).optional(),
    notify: z.literal(true).optional(),
    fd: z.number().int().min(3).max(64).optional(),
    afterMs: duration().optional(),
    /** How long to wait for the proof before the start counts as failed. */
    timeoutMs: positiveDuration().default(60_000),
    /** Longest pause between two probe attempts (probes start at 5 ms and back off to this). */
    intervalMs: positiveDuration().default(50),
  })
  .check(z.superRefine(checkReady, { when: () => true }));

// Runs even when single fields failed, so every problem shows in one pass.
function checkReady(
  r: Partial<Record<'tcp' | 'http' | 'message' | 'notify' | 'afterMs' | 'expectStatus' | 'host' | 'fd', unknown>>,
  ctx: z.RefinementCtx,
): void {
  const kinds = (['tcp', 'http', 'message', 'notify', 'afterMs'] as const).filter((k) => r[k] !== undefined);
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message:
        kinds.length === 0
          ? 'ready needs one of tcp, http, message, notify or afterMs'
          : `ready takes one proof, got ${kinds.join(' and ')}`,
    });
  }
  if (typeof r.http === 'string' && !/^https?:\/\//.test(r.http))
    ctx.addIssue({ code: 'custom', path: ['http'], message: `'${r.http}' is not an http:// or https:// URL` });
  if (r.expectStatus !== undefined && r.http === undefined)
    ctx.addIssue({ code: 'custom', path: ['expectStatus'], message: 'expectStatus applies to an http probe only' });
  if (r.host !== undefined && r.tcp === undefined)
    ctx.addIssue({ code: 'custom', path: ['host'], message: 'host applies to a tcp probe only' });
  if (r.fd !== undefined && r.notify === undefined)
    ctx.addIssue({ code: 'custom', path: ['fd'], message: 'fd applies to notify readiness only' });
}

export type ReadyCheck =
  | { kind: 'tcp'; port: number | string; host: string; timeoutMs: number; intervalMs: number }
  | { kind: 'http'; url: string; expectStatus?: number[]; timeoutMs: number; intervalMs: number }
  | { kind: 'message'; timeoutMs: number }
  | { kind: 'notify'; fd: number; timeoutMs: number }
  | { kind: 'after'; ms: number };

/** `firstFreeFd`: the notify fd's default, after the listening sockets (fds 3..) of the program. */
function toReadyCheck(r: z.output<typeof readyInput>, firstFreeFd = 3): ReadyCheck {
  const { timeoutMs, intervalMs } = r;
  if (r.tcp !== undefined) return { kind: 'tcp', port: r.tcp, host: r.host ?? '127.0.0.1', timeoutMs, intervalMs };
  if (r.http !== undefined) {
    const expectStatus = r.expectStatus === undefined ? undefined : Array.isArray(r.expectStatus) ? r.expectStatus : [r.expectStatus];
    return { kind: 'http', url: r.http, ...(expectStatus ? { expectStatus } : {}), timeoutMs, intervalMs };
  }
  if (r.message) return { kind: 'message', timeoutMs };
  if (r.notify) return { kind: 'notify', fd: r.fd ?? firstFreeFd, timeoutMs };
  return { kind: 'after', ms: r.afterMs ?? 0 };
}

/** Liveness: a probe that, failing `failureThreshold` times in a row, restarts the program. */
export const livenessSchema = z
  .strictObject({
    http: z
      .string()
      .regex(/^https?:\/\//, { message: 'must be an http:// or https:// URL' })
      .optional(),
    tcp: portOrTemplate.optional(),
    host: z.string().min(1).default('127.0.0.1'),
    periodMs: positiveDuration().default(10_000),
    timeoutMs: positiveDuration().default(2_000),
    failureThreshold: z.number().int().min(1).default(3),
    /** Grace after READY before the first probe. */
    initialDelayMs: duration().default(0),
  })
  .refine((l) => (l.http === undefined) !== (l.tcp === undefined), { message: 'liveness needs exactly one of http or tcp' });

/** Resource limits, applied through cgroups (v1 or v2, detected at start). */
export const limitsSchema = z.strictObject({
  /** CPU time as a number of cores (1.5 = one and a half cores). */
  cpu: z.number().positive().max(1024).optional(),
  /** Hard memory limit; the kernel OOM-kills the program past it. */
  memory: bytes()
    .refine((n) => n >= 2 ** 20, { message: 'must be at least 1MiB' })
    .optional(),
  /** Soft limit (cgroup v2 memory.high): the kernel throttles and reclaims past it. */
  memoryHigh: bytes()
    .refine((n) => n >= 2 ** 20, { message: 'must be at least 1MiB' })
    .optional(),
  /** Most tasks (processes and threads) at once. */
  pids: z.number().int().min(1).optional(),
  ioReadBps: bytes()
    .refine((n) => n > 0, { message: 'must be greater than zero' })
    .optional(),
  ioWriteBps: bytes()
    .refine((n) => n > 0, { message: 'must be greater than zero' })
    .optional(),
  /** Block device the io limits apply to: a path on it or "major:minor"; default: the device of cwd. */
  ioDevice: z.string().min(1).optional(),
  /**
   * Node programs under a memory limit get --max-old-space-size (NODE_OPTIONS) sized to it
   * (process/node-heap.ts): auto = when the command is node (or npm, npx...), on = always, off = never (default auto).
   */
  nodeHeap: z.enum(['auto', 'on', 'off']).optional(),
});

const logStream = z.strictObject({
  /** File to write; `false` discards the stream. Default: <logDir>/<program>[-<instance>].<stdout|stderr>.log */
  file: oneOf([z.string().min(1), z.literal(false)], 'a file path, or false to discard the stream').optional(),
  maxBytes: bytes().default(50 * 2 ** 20),
  backups: z.number().int().min(0).max(1000).default(10),
  daily: z.boolean().default(false),
  gzip: z.boolean().default(false),
  /** Bytes held in memory while the disk is slow; past it, output is dropped (and counted), never the child blocked. */
  bufferBytes: bytes()
    .refine((n) => n >= 4096, { message: 'must be at least 4KiB' })
    .default(2 ** 20),
});
const logStreamDefault = () => logStream.parse({});

/** A field name written into JSON lines as it is (so nothing in it needs escaping). */
const jsonFieldName = z.string().regex(/^[A-Za-z_@][A-Za-z0-9_.@-]{0,63}$/, {
  message: 'a field name is 1 to 64 letters, digits, "_", ".", "@" or "-", starting with a letter, "_" or "@" (e.g. template_id)',
});

const templateIdFields = z
  .strictObject({
    /** The field that carries the template id. */
    field: jsonFieldName.default('template_id'),
    /** A field for the template text too (e.g. "template"); left out: the id only. */
    textField: jsonFieldName.optional(),
  })
  .refine((f) => f.field !== f.textField, { message: 'field and textField must differ', path: ['textField'] });

/**
 * `logs.templateId`: the template id (and optionally the template) added to every JSON line the
 * daemon writes to the program's log files, for shippers that group by it (docs/log-shipping.md).
 */
const templateIdSchema = z
  .union([z.boolean(), templateIdFields], {
    error: (iss) => (iss.code === 'invalid_union' ? `expected true, false, or {field, textField}, got ${kindOf(iss.input)}` : undefined),
  })
  .transform((v): false | { field: string; textField: string | false } =>
    v === false ? false : v === true ? { field: 'template_id', textField: false } : { field: v.field, textField: v.textField ?? false },
  );

export const logsSchema = z.strictObject({
  stdout: logStream.default(logStreamDefault),
  stderr: logStream.default(logStreamDefault),
  /** Send stderr into the stdout log (supervisord's redirect_stderr). */
  redirectStderr: z.boolean().default(false),
  /**
   * Write the template id of each JSON line into it (`"template_id":"6eb5d911a7d6"` before the
   * closing brace; other lines unchanged). Needs the program's output mined.
   */
  templateId: templateIdSchema.default(false),
});

const backoffSchema = z
  .strictObject({
    /** Delay before the second restart in a row (the first is immediate unless immediateFirst is false). */
    initialMs: duration().default(1_000),
    factor: z.number().min(1).max(10).default(2),
    maxMs: duration().default(30_000),
    /** Random spread, as a fraction of the delay (0.1 = ±10 %), so a fleet does not restart in lockstep. */
    jitter: z.number().min(0).max(1).default(0.1),
    /** After this long READY, the next crash starts the backoff over. */
    resetAfterMs: duration().default(30_000),
    immediateFirst: z.boolean().default(true),
  })
  .refine((b) => b.maxMs >= b.initialMs, { message: 'maxMs must be at least initialMs', path: ['maxMs'] });

/** Rolling reloads (`holdfast reload`): start-before-stop, each new instance gated on its readiness. */
const reloadSchema = z
  .strictObject({
    /** Instances started above `instances` while replacing (start-before-stop). */
    maxSurge: z.number().int().min(0).default(1),
    /** Instances allowed below `instances` while replacing (0: never fewer than `instances` READY). */
    maxUnavailable: z.number().int().min(0).default(0),
  })
  .refine((r) => r.maxSurge + r.maxUnavailable >= 1, {
    message: 'maxSurge and maxUnavailable cannot both be 0: a reload could never replace an instance',
  });

/**
 * A listening socket the supervisor binds once and passes to every instance with the systemd
 * socket-activation protocol (fds 3.., LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID).
 */
const listenSchema = z.strictObject({
  port,
  host: z.string().min(1).default('0.0.0.0'),
  /** Its LISTEN_FDNAMES entry (default: the program's name). */
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,255}$/, {
      message: 'a socket name uses letters, digits, "_", "." and "-" (LISTEN_FDNAMES separates names with ":")',
    })
    .optional(),
  /** Length of the kernel's accept queue (capped by net.core.somaxconn). */
  backlog: z.number().int().min(1).max(65535).default(511),
});

const retries = oneOf(
  [z.number().int().min(0), z.literal(Infinity), z.literal('infinite')],
  "a whole number of retries, or 'infinite'",
).transform((v) => (v === 'infinite' ? Infinity : v));

/** Listening sockets take fds 3..3+n-1: an explicit notify fd must come after them. */
function checkListenFds(p: { listen?: unknown; ready?: unknown }, ctx: z.RefinementCtx): void {
  const n = Array.isArray(p.listen) ? p.listen.length : 0;
  const fd = typeof p.ready === 'object' && p.ready !== null ? (p.ready as { fd?: unknown }).fd : undefined;
  if (n > 0 && typeof fd === 'number' && fd < 3 + n) {
    ctx.addIssue({
      code: 'custom',
      path: ['ready', 'fd'],
      message: `fd ${fd} is taken by a listening socket (listen uses fds 3 to ${2 + n}): use ${3 + n} or more, or leave fd out`,
    });
  }
}

/** A memory limit a Node program cannot run in is refused at load, at limits.memory. */
function checkNodeLimit(
  p: { command?: unknown; shell?: unknown; limits?: { memory?: unknown; nodeHeap?: unknown } },
  ctx: z.RefinementCtx,
): void {
  const memory = p.limits?.memory;
  if (typeof memory !== 'number' || memory < 2 ** 20) return; // under 1MiB: reported by the field itself
  const mode = (p.limits?.nodeHeap ?? 'auto') as NodeHeapMode;
  let argv0: string | undefined;
  if (Array.isArray(p.command)) argv0 = typeof p.command[0] === 'string' ? p.command[0] : undefined;
  else if (typeof p.command === 'string') {
    const split = splitCommandLine(p.command);
    argv0 = split.ok ? split.argv[0] : undefined;
  }
  if (mode === 'off' ? !isNodeCommand(argv0) : !appliesTo(argv0, mode)) return;
  const problem = nodeLimitProblem(memory, mode);
  if (problem) ctx.addIssue({ code: 'custom', path: ['limits', 'memory'], message: problem });
}

export const programSchema = z
  .strictObject({
    /** argv list, or a string split like sh would (quotes, no expansion) unless `shell: true`. */
    command: oneOf(
      [z.string().trim().min(1, { message: 'the command is empty' }), z.array(z.string()).min(1, { message: 'the command is empty' })],
      'a command line (string) or an argv list',
    ),
    shell: z.boolean().default(false),
    cwd: z.string().min(1).optional(),
    env: envSchema,
    /** Environment names a start request (`holdfast start --env NAME=value`, the API's env) may set; no others. */
    envOverridable: envOverridableSchema,
    /** KEY=VALUE files read at load (and on `update`); `env` wins over them. */
    envFile: oneOf([z.string().min(1), z.array(z.string().min(1))], 'a file path or a list of them').optional(),
    user: oneOf([z.string().min(1), z.number().int().min(0)], 'a user name or uid').optional(),
    group: oneOf([z.string().min(1), z.number().int().min(0)], 'a group name or gid').optional(),
    instances: z.number().int().min(1).max(1024).default(1),
    autostart: z.boolean().default(true),
    autorestart: z.enum(['always', 'on-failure', 'never']).default('on-failure'),
    /** Exit codes that count as success (no restart under on-failure). */
    exitCodes: z.array(z.number().int().min(0).max(255)).default([0]),
    /** Seconds (or a duration string) a program must stay up to count as started, when it has no `ready` proof. */
    startSecs: oneOf([z.number().min(0), z.string()], 'seconds, or a duration like "2s"')
      .default(1)
      .transform((v, ctx) => {
        if (typeof v === 'number') return v;
        const ms = duration().safeParse(v);
        if (!ms.success) {
          ctx.addIssue({ code: 'custom', message: `'${v}' is not a duration: use seconds as a number, or a string like "500ms", "2s"` });
          return z.NEVER;
        }
        return ms.data / 1000;
      }),
    /** Failed starts in a row (exit or no proof before READY) before FATAL; `infinite` never gives up. */
    startRetries: retries.default(5),
    backoff: backoffSchema.default(() => backoffSchema.parse({})),
    stopSignal: signalName().default('SIGTERM'),
    stopTimeoutMs: duration().default(10_000),
    /** Programs or groups that must be READY before this one starts (and stop after it). */
    dependsOn: z.array(z.string().min(1)).default([]),
    /** Lower starts first among programs whose dependencies are met; stops go in reverse. */
    priority: z.number().int().default(999),
    ready: readyInput.optional(),
    liveness: livenessSchema.optional(),
    limits: limitsSchema.optional(),
    logs: logsSchema.default(() => logsSchema.parse({})),
    listen: z.array(listenSchema).min(1, { message: 'list at least one socket, or leave listen out' }).optional(),
    reload: reloadSchema.optional(),
    /** Where the daemon reads its metrics (scrape: section), and which program each dependency calls. */
    metrics: programMetricsSchema.optional(),
    /**
     * Log template mining of this program's output (docs/log-mining.md): false opts out; options set its
     * masking, header and thresholds.
     */
    mining: programMiningSchema.optional(),
  })
  .check(
    z.superRefine(
      (p: { shell?: unknown; command?: unknown }, ctx) => {
        if (p.shell !== true && typeof p.command === 'string' && p.command.trim() !== '') {
          const split = splitCommandLine(p.command);
          if (!split.ok) ctx.addIssue({ code: 'custom', path: ['command'], message: split.error });
        }
        if (p.shell === true && Array.isArray(p.command))
          ctx.addIssue({ code: 'custom', path: ['shell'], message: 'shell: true needs the command as one string' });
        checkListenFds(p as { listen?: unknown; ready?: unknown }, ctx);
        checkNodeLimit(p as { command?: unknown; shell?: unknown; limits?: { memory?: unknown; nodeHeap?: unknown } }, ctx);
      },
      { when: () => true },
    ),
  )
  .transform((p) => {
    const argv = p.shell
      ? ['/bin/sh', '-c', p.command as string]
      : typeof p.command === 'string'
        ? (splitCommandLine(p.command) as { argv: string[] }).argv
        : p.command;
    const { ready, env, ...rest } = p;
    return {
      ...rest,
      env: env.vars,
      inheritEnv: env.inherit,
      argv,
      ready: ready
        ? toReadyCheck(ready, 3 + (p.listen?.length ?? 0))
        : ({ kind: 'after', ms: Math.round(p.startSecs * 1000) } as ReadyCheck),
    };
  });

export const groupSchema = z.strictObject({
  programs: z.array(name).min(1, { message: 'a group needs at least one program' }),
  priority: z.number().int().optional(),
});

const httpControlSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port,
    /** Bearer token every request must carry; required: a TCP control API without one is refused. */
    token: z.string().min(16, { message: 'the token must be at least 16 characters' }).optional(),
    tokenFile: z.string().min(1).optional(),
  })
  .superRefine((h, ctx) => {
    if (h.token === undefined && h.tokenFile === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message:
          'a TCP control API needs a bearer token: set token (16+ characters) or tokenFile, or drop http to use the Unix socket only',
      });
    }
    if (h.token !== undefined && h.tokenFile !== undefined)
      ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'set token or tokenFile, not both' });
  });

export const daemonSchema = z.strictObject({
  /** Control socket (HTTP/JSON, mode 0600). Default: <state base>/holdfast.sock. */
  socket: z.string().min(1).optional(),
  /** Lock, pid/pgid state. Default: /var/lib/holdfast/<config-id> (root) or ~/.local/state/holdfast/<config-id>. */
  stateDir: z.string().min(1).optional(),
  /** Program logs and the daemon's own. Default: <stateDir>/logs. */
  logDir: z.string().min(1).optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** The control API on TCP as well (bearer token required). */
  http: httpControlSchema.optional(),
  /** Plain HTTP endpoint serving only /metrics, for Prometheus (the control API serves it too). */
  metrics: z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port }).optional(),
  cgroups: z
    .strictObject({
      /** auto: use cgroups when writable, else poll memory; off: never; required: refuse to start without. */
      mode: z.enum(['auto', 'off', 'required']).default('auto'),
      /** Where the cgroup filesystem is mounted (tests point this at a fake tree). */
      root: z.string().min(1).default('/sys/fs/cgroup'),
      /** Polling period of the memory fallback when cgroups are unavailable. */
      pollMs: duration()
        .refine((ms) => ms >= 50 && ms <= 1000, { message: 'must be between 50ms and 1s' })
        .default(1000),
    })
    .default(() => ({ mode: 'auto' as const, root: '/sys/fs/cgroup', pollMs: 1000 })),
});

export const supervisorConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    supervisor: daemonSchema.default(() => daemonSchema.parse({})),
    // Names are checked in crossCheck: a key error inside z.record only says "Invalid key in record".
    programs: z.record(z.string(), programSchema),
    groups: z.record(z.string(), groupSchema).default({}),
    /** The incident loop (docs/incidents.md); off when absent. */
    incidents: incidentsConfigSchema.optional(),
    /** The daemon's own metrics store: scrapes the programs, explains faults (docs/root-cause.md); off when absent. */
    scrape: scrapeSchema.optional(),
    /** The live dashboard served by the daemon (docs/dashboard.md); off when absent. */
    dashboard: dashboardConfigSchema.optional(),
    /** Baselines and their alert rules (`holdfast gen alerts`); defined and checked by @holdfast/insight. */
    alerts: alertsSchema.optional(),
    /** Service-level objectives and their burn-rate alerts. */
    slos: slosSchema.optional(),
    /** Log template mining in the daemon (docs/log-mining.md); on for every program unless `enabled: false`. */
    mining: miningConfigSchema.optional(),
  })
  .check(z.superRefine(crossCheck, { when: () => true }))
  .check(z.superRefine(checkScrape, { when: () => true }))
  .check(
    z.superRefine(
      (c: { dashboard?: unknown; programs?: unknown }, ctx) =>
        checkDashboard(
          c.dashboard,
          typeof c.programs === 'object' && c.programs !== null ? (c.programs as Record<string, unknown>) : {},
          ctx,
        ),
      { when: () => true },
    ),
  )
  .check(z.superRefine(alertsChecks(), { when: () => true }));

export type SupervisorConfigInput = z.input<typeof supervisorConfigSchema>;
export type SupervisorConfig = z.output<typeof supervisorConfigSchema>;
export type ProgramConfigInput = z.input<typeof programSchema>;
export type ProgramConfig = z.output<typeof programSchema>;
export type GroupConfig = z.output<typeof groupSchema>;
export type DaemonConfig = z.output<typeof daemonSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;
export type LivenessConfig = z.output<typeof livenessSchema>;
export type LogStreamConfig = z.output<typeof logStream>;
export type LogsConfig = z.output<typeof logsSchema>;
export type BackoffConfig = z.output<typeof backoffSchema>;
export type ListenConfig = z.output<typeof listenSchema>;
export type ReloadConfig = z.output<typeof reloadSchema>;
export type Autorestart = ProgramConfig['autorestart'];
