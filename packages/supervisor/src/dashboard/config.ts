// The `dashboard:` section of the supervisor config (docs/dashboard.md). Runs in the config
// loader's child process, never in the daemon. Without the section the daemon loads none of the
// dashboard's code.
import { duration } from '@holdfast/config';
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);

/** `http://host:port/path`, with an optional {instance} placeholder resolved per instance. */
const metricsUrl = z
  .string()
  .min(1)
  .refine((s) => /^http:\/\/[^/]+\//.test(s.replaceAll('{instance}', '0')) && URL.canParse(s.replaceAll('{instance}', '0')), {
    message:
      'expected an http:// URL of the instance\'s metrics, like "http://127.0.0.1:310{instance}/metrics" ({instance} ' +
      'becomes 0, 1, … per instance)',
  });

const guardProgram = z.strictObject({
  /**
   * Deprecated: where each instance serves its metrics is the program's own `metrics:` field, which
   * the scrape: section reads too. Still read: moved there when the config loads, with a warning.
   */
  metrics: metricsUrl.optional(),
  /** The rules file the program loads and hot-reloads; edits from the page are written here. */
  rules: z.string().min(1).optional(),
});

const failoverSchema = z
  .strictObject({
    /** The failover agent's status endpoint: its unix socket path, or http://host:port. */
    status: z.string().min(1),
    /** The status token (needed on a non-loopback endpoint), or a file that holds it. */
    token: z.string().min(16, { message: 'the token must be at least 16 characters' }).optional(),
    tokenFile: z.string().min(1).optional(),
    /** JSON lines written by `holdfast drill failover --record <file>`: the page shows the last ones. */
    drills: z.string().min(1).optional(),
  })
  .refine((f) => f.token === undefined || f.tokenFile === undefined, { message: 'set token or tokenFile, not both', path: ['tokenFile'] });

export const dashboardConfigSchema = z.strictObject({
  /** Loopback by default: the page controls the programs. */
  host: z.string().min(1).default('127.0.0.1'),
  port,
  /** How long a browser stays signed in after `holdfast dashboard` let it in. */
  sessionTtlMs: duration()
    .refine((ms) => ms >= 60_000 && ms <= 30 * 86_400_000, { message: 'must be between 1m and 30d' })
    .default(12 * 3_600_000),
  /** Per program: where to read its guard's state, and its rules file. */
  guard: z.record(z.string(), guardProgram).default({}),
  failover: failoverSchema.optional(),
});

export type DashboardConfigInput = z.input<typeof dashboardConfigSchema>;
export type DashboardConfig = z.output<typeof dashboardConfigSchema>;

/** With every path absolute (resolved against the config file's directory); guard.<p>.metrics moved to programs.<p>.metrics. */
export type ResolvedDashboardConfig = Omit<DashboardConfig, 'guard'> & { guard: Record<string, { rules?: string }> };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * Cross-section checks: guard entries name programs, and say where a program's metrics are at most
 * once (the deprecated guard.<p>.metrics beside programs.<p>.metrics is refused, not merged).
 */
export function checkDashboard(d: unknown, programs: Readonly<Record<string, unknown>>, ctx: z.RefinementCtx): void {
  if (typeof d !== 'object' || d === null) return;
  const names = Object.keys(programs);
  const guard = (d as { guard?: unknown }).guard;
  if (typeof guard === 'object' && guard !== null) {
    for (const [name, g] of Object.entries(guard)) {
      if (!names.includes(name))
        ctx.addIssue({
          code: 'custom',
          path: ['dashboard', 'guard', name],
          message: `unknown program '${name}' (programs: ${names.join(', ') || 'none'})`,
        });
      else if (
        typeof g === 'object' &&
        g !== null &&
        'metrics' in g &&
        (programs[name] as { metrics?: unknown } | null)?.metrics !== undefined
      )
        ctx.addIssue({
          code: 'custom',
          path: ['dashboard', 'guard', name, 'metrics'],
          message:
            `programs.${name}.metrics already says where ${name}'s metrics are, and the dashboard reads it there: ` +
            `remove this line (dashboard.guard.<program>.metrics is deprecated)`,
        });
    }
  }
}

/** The deprecated guard.<p>.metrics, as the program's own field: what the loader moves, and the warning it gives. */
export function movedGuardMetrics(d: DashboardConfig): { program: string; url: string; warning: string }[] {
  return Object.entries(d.guard).flatMap(([program, g]) =>
    g.metrics === undefined
      ? []
      : [
          {
            program,
            url: g.metrics,
            warning:
              `dashboard.guard.${program}.metrics is deprecated: move it to programs.${program}.metrics ` +
              `(metrics: ${g.metrics}), where the dashboard, holdfast status and the scrape: section all read it`,
          },
        ],
  );
}

export function dashboardWarnings(d: DashboardConfig): string[] {
  return LOOPBACK.test(d.host)
    ? []
    : [
        `dashboard.host ${d.host} is not a loopback address: the page is served over plain HTTP, so put it behind a ` +
          `TLS proxy and keep the session cookie off open networks`,
      ];
}
