// createService's options: one zod schema with the defaults, so a typo or a wrong type fails at
// construction with the option's name, never later in production. The core's options are here;
// each module's live beside it (`<module>/options.ts`) and are composed into the one schema.
import { z } from 'zod';
import { ServiceOptionsError } from './errors.ts';
import { healthOptionsShape } from './health/options.ts';
import { memoryOptionsShape, resolveMemoryOptions } from './memory/options.ts';
import { metricsOptionsShape } from './metrics/options.ts';
import { shutdownTiming } from './shutdown/from-env.ts';
import { redisOptionsShape, resolveRedisOptions, type ResolvedRedisOptions } from './redis/options.ts';
import { tracingOptionsShape } from './tracing/options.ts';
import type { LockProvider } from './lock/types.ts';

const DEFAULT_GRACE_MS = 30_000;
const port = z.number().int().min(0).max(65535);
const ms = z.number().finite().min(0);

const probePaths = z.strictObject({
  livez: z.string().startsWith('/').default('/livez'),
  readyz: z.string().startsWith('/').default('/readyz'),
  startupz: z.string().startsWith('/').default('/startupz'),
  metrics: z.string().startsWith('/').default('/metrics'),
});

export const serviceOptionsSchema = z.strictObject({
  /** Service name: in logs, metrics' `service` label and traces. */
  name: z.string().min(1).default('service'),
  port: port.optional(),
  host: z.string().min(1).default('0.0.0.0'),
  /**
   * Listen on an inherited socket (systemd socket activation / the holdfast supervisor):
   * 'auto' uses LISTEN_FDS when present; a number is an fd; false never inherits.
   */
  inheritSocket: z.union([z.literal('auto'), z.literal(false), z.number().int().min(3)]).default('auto'),
  /** Serve probes and metrics on a separate port instead of the main one. */
  admin: z.union([z.literal(false), z.strictObject({ port, host: z.string().min(1).default('127.0.0.1') })]).default(false),
  /**
   * The whole shutdown budget, from the first signal to exit: every phase derives from it.
   * HOLDFAST_TERMINATION_GRACE_MS (set by `holdfast gen k8s` and the holdfast supervisor: how long
   * they wait before SIGKILL) sets it when unset and caps it when set.
   */
  terminationGracePeriodMs: ms.min(1000).default(DEFAULT_GRACE_MS),
  /**
   * How long to keep serving after turning unready, so load balancers and Kubernetes endpoints
   * notice. Default: 5 s under Kubernetes (endpoint removal races SIGTERM); elsewhere no fixed
   * delay: see readinessDrain.
   */
  shutdownDelayMs: ms.optional(),
  /**
   * Without a shutdownDelayMs: keep serving after SIGTERM until each load balancer that polls
   * readiness has been answered 503 `answers` times (its own fall count), then `reactionMs` for it
   * to act; at most half the grace period. Nobody polling: close at once. An inherited socket
   * (the supervisor keeps it open for the other instances) closes at once. false: never wait.
   */
  readinessDrain: z
    .union([
      z.literal(false),
      z.strictObject({ answers: z.number().int().min(1).max(100).default(1), reactionMs: ms.max(60_000).default(1000) }),
    ])
    .default({ answers: 1, reactionMs: 1000 }),
  /**
   * After the listener closes, how long keep-alive clients get to move away on their own (every
   * response says `Connection: close`) before idle connections are ended. Ending an idle
   * keep-alive connection races a client that is sending on it at that moment; waiting first
   * leaves only connections that have been quiet for the whole grace period.
   */
  keepAliveGraceMs: ms.default(1000),
  /** Default timeout of an onShutdown hook. */
  hookTimeoutMs: ms.min(1).default(5000),
  /** Install SIGTERM/SIGINT handlers that drain and exit. */
  handleSignals: z.boolean().default(true),
  /** Log and drain on uncaughtException / unhandledRejection, then exit non-zero. */
  handleProcessErrors: z.boolean().default(true),
  logger: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** A file path, or 'stdout' / 'stderr'. */
      destination: z.string().min(1).default('stdout'),
      /** Log probe and metrics requests too (off: they are noise at scrape rate). */
      logProbes: z.boolean().default(false),
      /** Log one line per request. */
      requests: z.boolean().default(true),
      /** Extra fields merged into every line (e.g. trace ids); called per line. */
      mixin: z.custom<() => object>((v) => typeof v === 'function', 'Invalid input: expected function').optional(),
    })
    .prefault({}),
  probes: probePaths.prefault({}),
  /** Token for the admin endpoints (heap snapshots); default HOLDFAST_ADMIN_TOKEN. Without one they answer 401. */
  adminToken: z.string().min(16, 'use at least 16 characters').optional(),
  /** The distributed lock provider behind service.lock() (etcdLockProvider from @holdfast/failover/lock). */
  locks: z
    .custom<LockProvider>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as LockProvider).acquire === 'function' &&
        typeof (v as LockProvider).close === 'function',
      'Invalid input: expected a lock provider (etcdLockProvider from @holdfast/failover/lock)',
    )
    .optional(),
  /** Passed to Fastify as is (bodyLimit, trustProxy, ...), except what holdfast owns. */
  fastify: z.record(z.string(), z.unknown()).default({}),
  ...healthOptionsShape,
  ...metricsOptionsShape,
  ...redisOptionsShape,
  ...tracingOptionsShape,
  ...memoryOptionsShape,
});

export type ServiceOptions = z.input<typeof serviceOptionsSchema>;
export type ResolvedOptions = Omit<z.output<typeof serviceOptionsSchema>, 'redis'> & {
  port: number;
  /** undefined: no fixed delay, the drain follows readinessDrain. */
  shutdownDelayMs: number | undefined;
  redis: ResolvedRedisOptions | false;
};

const OWNED_FASTIFY_OPTIONS = [
  'logger',
  'loggerInstance',
  'serverFactory',
  'genReqId',
  'requestIdHeader',
  'disableRequestLogging',
  'forceCloseConnections',
  'return503OnClosing',
];

/**
 * Validates options and fills in the environment-dependent defaults; `warn` gets what the
 * environment made it adjust (logged once the logger exists).
 */
export function resolveOptions(
  input: unknown,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => {},
): ResolvedOptions {
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new ServiceOptionsError([{ option: '(options)', message: 'createService expects an options object' }]);
  }
  const parsed = serviceOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ServiceOptionsError(
      parsed.error.issues.map((i) => {
        const path = i.path.map(String).join('.');
        if (i.code === 'unrecognized_keys')
          return { option: i.keys.map((k) => (path ? `${path}.${k}` : k)).join(', '), message: 'unknown option' };
        return { option: path || '(options)', message: i.message };
      }),
    );
  }
  const o = parsed.data;
  const owned = Object.keys(o.fastify).filter((k) => OWNED_FASTIFY_OPTIONS.includes(k));
  if (owned.length)
    throw new ServiceOptionsError(
      owned.map((k) => ({
        option: `fastify.${k}`,
        message: 'holdfast manages this Fastify option itself; remove it (see the logger, probes and admin options)',
      })),
    );
  const envPort = env.PORT !== undefined ? Number(env.PORT) : undefined;
  if (o.port === undefined && envPort !== undefined && !(Number.isInteger(envPort) && envPort >= 0 && envPort <= 65535)) {
    throw new ServiceOptionsError([{ option: 'port', message: `the PORT environment variable is '${env.PORT}', not a port number` }]);
  }
  const given = (input ?? {}) as { terminationGracePeriodMs?: number };
  const timing = shutdownTiming(
    { terminationGracePeriodMs: given.terminationGracePeriodMs, shutdownDelayMs: o.shutdownDelayMs },
    DEFAULT_GRACE_MS,
    env,
    warn,
  );
  const redis = resolveRedisOptions(o.redis, env);
  const adminToken = o.adminToken ?? env.HOLDFAST_ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length < 16)
    throw new ServiceOptionsError([
      {
        option: 'adminToken',
        message: 'the HOLDFAST_ADMIN_TOKEN environment variable is shorter than 16 characters; use a long random token',
      },
    ]);
  const memory = resolveMemoryOptions(o.memory, env);
  return { ...o, ...timing, port: o.port ?? envPort ?? 3000, redis, adminToken, memory };
}
