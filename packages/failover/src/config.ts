// The failover agent's configuration: `cluster.yaml`, or the `cluster:` section of
// holdfast.yaml. One zod schema validates it (every issue reported with file, line and path by
// @holdfast/config) and is exported as JSON Schema for editors.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { duration, loadConfigFile, toJsonSchema } from '@holdfast/config';
import { resourceKinds } from './resources/index.ts';
import { fenceKinds } from './fence/index.ts';
import { profiles, resolveTiming, type LeadershipTiming } from './timing.ts';
import { isLoopback } from './status-access.ts';
import { signalsSchema } from './signals/config.ts';
export { readSecret } from './secret.ts';

const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, ".", "_" or "-", starting with a letter or digit');
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'use host:port, e.g. "10.0.0.2:7946" or "[::1]:7946"')
  .transform((s) => {
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
  });

const timingSchema = z
  .strictObject({
    ttl: duration().optional().describe('lease TTL; overrides the profile'),
    keepAliveInterval: duration().optional().describe('default TTL/5'),
    drift: z.number().min(0).max(0.2).optional().describe('bound on clock-rate difference with the coordinator (default 0.01)'),
    margin: duration().optional().describe('kept between the local deadline and the earliest server-side expiry (default 20 % of TTL)'),
    stepDown: duration().optional().describe('demotion starts this long before the deadline when renewals fail (default 20 % of TTL)'),
    pauseThreshold: duration().optional().describe('an event-loop gap above this forces a re-check (default TTL/4, 100–500 ms)'),
    holdoff: duration().optional().describe('no campaign for this long after a demotion (default TTL)'),
  })
  .default({});

const etcdSchema = z.strictObject({
  kind: z.literal('etcd'),
  endpoints: z.array(z.url({ protocol: /^https?$/, error: 'use an http:// or https:// client URL, e.g. http://10.0.0.1:2379' })).min(1),
  prefix: z.string().startsWith('/').default('/holdfast/failover'),
  profile: z
    .enum(['default', 'fast', 'turbo'])
    .default('default')
    .describe('lease TTL: default 5 s, fast 2 s, turbo 1 s (turbo needs etcd --election-timeout ≤ 600 ms)'),
  requestTimeout: duration().optional().describe('bound on one etcd request once running (default TTL/2, at least 250 ms)'),
  connectTimeout: duration()
    .default(5000)
    .describe('start-up budget: how long the agent keeps trying to reach etcd before it gives up with an error'),
  tls: z.strictObject({ ca: z.string(), cert: z.string().optional(), key: z.string().optional() }).optional().describe('PEM file paths'),
  auth: z
    .strictObject({ username: z.string().min(1), password: z.string().optional(), passwordFile: z.string().optional() })
    .refine((a) => (a.password === undefined) !== (a.passwordFile === undefined), 'give exactly one of password or passwordFile')
    .optional(),
});

const localSchema = z.strictObject({
  kind: z.literal('local'),
  dir: z.string().min(1).default('/var/lib/holdfast/failover').describe('state directory shared by the agents of this host'),
  profile: z.enum(['default', 'fast', 'turbo']).default('default'),
});

const healthCheckSchema = z
  .strictObject({
    name: name,
    exec: z.array(z.string()).min(1).optional().describe('command and arguments; exit 0 = healthy'),
    http: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('GET; a 2xx answer = healthy'),
    tcp: hostPort.optional().describe('a TCP connect = healthy'),
    interval: duration().default(1000),
    timeout: duration().default(1000),
    rise: z.number().int().min(1).default(2).describe('consecutive successes to become healthy'),
    fall: z.number().int().min(1).default(3).describe('consecutive failures to become unhealthy'),
  })
  .refine((c) => [c.exec, c.http, c.tcp].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of exec, http or tcp' });

const keySchema = z
  .strictObject({ id: z.string().min(1).max(64), secret: z.string().optional(), secretFile: z.string().optional() })
  .refine((k) => (k.secret === undefined) !== (k.secretFile === undefined), 'give exactly one of secret or secretFile')
  .refine((k) => k.secret === undefined || Buffer.byteLength(k.secret) >= 16, 'a secret needs at least 16 bytes');

const heartbeatSchema = z.strictObject({
  listen: hostPort.describe('UDP host:port to receive peer heartbeats on'),
  interval: duration().default(200),
  peers: z.array(z.strictObject({ node: name, address: hostPort })).min(1),
  keys: z.array(keySchema).min(1),
  sendKeyId: z.string().optional().describe('key that signs outgoing heartbeats (default: the first)'),
});

const resourceSchema = z.discriminatedUnion('kind', resourceKinds.map((k) => k.schema) as unknown as [z.ZodObject, ...z.ZodObject[]]);
const fenceSchema = z.discriminatedUnion('kind', fenceKinds.map((k) => k.schema) as unknown as [z.ZodObject, ...z.ZodObject[]]);

export const clusterSchema = z
  .strictObject({
    name: name.describe('cluster name; agents of one cluster share a leader key'),
    node: name
      .default(() => process.env.HOLDFAST_NODE ?? hostname().split('.')[0]!)
      .describe('this node (default: $HOLDFAST_NODE or the host name)'),
    priority: z.number().int().min(0).max(255).default(100).describe('higher is preferred when several nodes campaign'),
    preempt: z
      .boolean()
      .default(false)
      .describe('take leadership from a healthy lower-priority leader (off: no preemption, as VRRP nopreempt)'),
    coordinator: z.discriminatedUnion('kind', [etcdSchema, localSchema]),
    timing: timingSchema,
    health: z.array(healthCheckSchema).default([]),
    resources: z.array(resourceSchema).default([]),
    fences: z
      .array(fenceSchema)
      .prefault([{ kind: 'companion' }] as never)
      .describe('outside-the-agent guards that tear resources down when the agent stops petting them'),
    fenceHook: z
      .strictObject({ command: z.array(z.string()).min(1), timeout: duration().default(10_000) })
      .optional()
      .describe('run by a new leader when the previous lease expired instead of being released'),
    heartbeat: heartbeatSchema.optional(),
    status: z
      .strictObject({
        socket: z
          .string()
          .optional()
          .describe(
            'unix socket of the status endpoint, in a directory only the agent user can enter (default: ' +
              '/run/holdfast/failover, $XDG_RUNTIME_DIR/holdfast-failover or /tmp/holdfast-failover-<uid>, <cluster>-<node>.sock)',
          ),
        listen: hostPort.optional().describe('or a host:port instead of a socket: loopback unless a token is set'),
        token: z
          .string()
          .min(16)
          .optional()
          .describe(
            'needed for POST /switchover (and for every request on a non-loopback listen); default: generated at ' +
              'start, written beside the socket',
          ),
        tokenFile: z.string().optional().describe('or read the token from this file'),
      })
      .refine((s) => s.token === undefined || s.tokenFile === undefined, 'give at most one of token or tokenFile')
      .default({}),
    signals: signalsSchema.describe(
      "promotions and fences fired as incident signals to the supervisor's POST /v1/signals, queued and retried through an outage",
    ),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.resources.forEach((r, i) => {
      const n = (r as { name: string }).name;
      if (seen.has(n)) ctx.addIssue({ code: 'custom', path: ['resources', i, 'name'], message: `resource name '${n}' is used twice` });
      seen.add(n);
    });
    c.heartbeat?.peers.forEach((p, i) => {
      if (p.node === c.node)
        ctx.addIssue({
          code: 'custom',
          path: ['heartbeat', 'peers', i, 'node'],
          message: `'${p.node}' is this node; list only the other nodes`,
        });
    });
    if (c.heartbeat?.sendKeyId && !c.heartbeat.keys.some((k) => k.id === c.heartbeat!.sendKeyId)) {
      ctx.addIssue({ code: 'custom', path: ['heartbeat', 'sendKeyId'], message: `no key has id '${c.heartbeat.sendKeyId}'` });
    }
    const listen = c.status.listen;
    if (listen && !isLoopback(listen.host) && c.status.token === undefined && c.status.tokenFile === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['status', 'listen'],
        message:
          `${listen.host} is not a loopback address: anyone who reaches it could read the status and move ` +
          `leadership. Listen on 127.0.0.1, or set status.token (or tokenFile) that every request must carry`,
      });
    }
    try {
      timingFor(c as ClusterConfig);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['timing'], message: (err as Error).message });
    }
  });

export type ClusterConfig = z.output<typeof clusterSchema>;
export type ClusterConfigInput = z.input<typeof clusterSchema>;

/** Either a cluster.yaml (the section at the top level) or a holdfast.yaml with a `cluster:` section. */
const fileSchema = z.union([z.looseObject({ cluster: clusterSchema }), clusterSchema]);

/** Loads and validates a cluster config file; throws ConfigError (code HOLDFAST_E_CONFIG) listing every issue. */
export function loadClusterConfig(file: string): ClusterConfig {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // loadConfigFile reports the unreadable file with its fix.
  }
  if (/^cluster:|"cluster"\s*:/m.test(text)) return loadConfigFile(file, z.looseObject({ cluster: clusterSchema })).cluster;
  return loadConfigFile(file, clusterSchema);
}

/** Validates an in-memory config (tests, programmatic use). */
export function parseClusterConfig(input: unknown): ClusterConfig {
  return clusterSchema.parse(input);
}

/** JSON Schema of cluster.yaml, for editors (yaml-language-server). */
export function clusterJsonSchema(): Record<string, unknown> {
  return toJsonSchema(fileSchema, 'holdfast failover cluster configuration');
}

export function ttlFor(c: Pick<ClusterConfig, 'coordinator' | 'timing'>): number {
  return c.timing.ttl ?? profiles[c.coordinator.profile];
}

/** The leadership timing of a config (profile TTL, then overrides); throws RangeError when unsafe. */
export function timingFor(c: Pick<ClusterConfig, 'coordinator' | 'timing'>): LeadershipTiming {
  const ttl = ttlFor(c);
  if (c.coordinator.kind === 'etcd' && ttl % 1000 !== 0)
    throw new RangeError(`etcd leases have whole seconds: ttl ${ttl} ms is not a multiple of 1000`);
  const t = c.timing;
  return resolveTiming(ttl, {
    keepAliveIntervalMs: t.keepAliveInterval,
    drift: t.drift,
    marginMs: t.margin,
    stepDownMs: t.stepDown,
    pauseThresholdMs: t.pauseThreshold,
    holdoffMs: t.holdoff,
  });
}
