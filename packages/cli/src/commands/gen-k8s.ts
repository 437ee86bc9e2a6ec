// `holdfast gen k8s`: a Deployment and a Service whose probes, preStop hook and grace period
// agree with the service runtime's drain, so a rollout never routes to a pod that is leaving
// and never SIGKILLs one that is still draining.
import { stringify } from 'yaml';
import { nodeHeapFlags, nodeLimitProblem } from '@holdfast/config/node-heap';
import { integer, oneOf, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { programSpec } from './gen-k8s-config.ts';

const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface K8sSpec {
  service: string;
  image: string;
  port: number;
  adminPort: number | undefined;
  replicas: number;
  graceSeconds: number;
  preStopSeconds: number;
  /** Memory request = limit, in bytes (the heap is sized to it in env.NODE_OPTIONS by the caller). */
  memoryBytes?: number | undefined;
  /** CPU request (a request only: a CPU limit throttles a Node event loop in bursts). */
  cpu?: string | undefined;
  /** The container's other variables: the config's program's, NODE_OPTIONS with the heap size. */
  env?: Record<string, string> | undefined;
  /** The preStop hook: Kubernetes' sleep action (≥ 1.30), or `sleep` run in the container. */
  preStop?: PreStopForm | undefined;
}

export type PreStopForm = 'sleep' | 'exec';

/** The first Kubernetes release whose preStop sleep action is on by default (beta in 1.30, GA in 1.34; KEP-3960). */
export const PRESTOP_SLEEP_MIN_K8S = '1.30';

const MiB = 2 ** 20;

/** A memory size as Kubernetes writes it (512Mi, 2Gi) or holdfast does (512MiB); bytes or undefined. */
export function parseMemory(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|KiB|MiB|GiB|K|M|G)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').replace(/B$/, '');
  const mult: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: MiB, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 };
  return Math.round(Number(m[1]) * mult[unit]!);
}

/** Bytes as Kubernetes writes a memory quantity, exactly: 1Gi, 512Mi, 256M, or plain bytes. */
export function memoryQuantity(bytes: number): string {
  if (bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)}Gi`;
  if (bytes % MiB === 0) return `${bytes / MiB}Mi`;
  if (bytes % 1e6 === 0) return `${bytes / 1e6}M`;
  return String(Math.round(bytes));
}

export function k8sManifests(s: K8sSpec): Record<string, unknown>[] {
  const labels = { 'app.kubernetes.io/name': s.service };
  const probePort = s.adminPort === undefined ? 'http' : 'admin';
  // SIGTERM arrives after the preStop sleep, which counts against the grace period: the
  // service gets what is left, and needs no shutdown delay of its own (the sleep did that).
  const drainBudgetMs = (s.graceSeconds - s.preStopSeconds) * 1000;
  // Request = limit for memory: a pod is never OOM-killed for using what it was promised, and
  // the heap sized to the limit (the supervisor's rule, @holdfast/config/node-heap) stays inside it.
  const memory = s.memoryBytes === undefined ? undefined : memoryQuantity(s.memoryBytes);
  const resources =
    memory === undefined && s.cpu === undefined
      ? undefined
      : {
          requests: { ...(memory ? { memory } : {}), ...(s.cpu ? { cpu: s.cpu } : {}) },
          ...(memory ? { limits: { memory } } : {}),
        };
  const ports = [
    { name: 'http', containerPort: s.port, protocol: 'TCP' },
    ...(s.adminPort === undefined ? [] : [{ name: 'admin', containerPort: s.adminPort, protocol: 'TCP' }]),
  ];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: s.service, labels },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: s.graceSeconds,
          containers: [
            {
              name: s.service,
              image: s.image,
              ports,
              env: [
                { name: 'PORT', value: String(s.port) },
                { name: 'HOLDFAST_TERMINATION_GRACE_MS', value: String(drainBudgetMs) },
                { name: 'HOLDFAST_SHUTDOWN_DELAY_MS', value: '0' },
                ...Object.entries(s.env ?? {}).map(([name, value]) => ({ name, value })),
              ],
              ...(resources ? { resources } : {}),
              startupProbe: { httpGet: { path: '/startupz', port: probePort }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 },
              readinessProbe: {
                httpGet: { path: '/readyz', port: probePort },
                periodSeconds: 2,
                timeoutSeconds: 2,
                failureThreshold: 1,
                successThreshold: 1,
              },
              livenessProbe: { httpGet: { path: '/livez', port: probePort }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
              // Endpoint removal races SIGTERM (kubernetes#67592): keep serving while every
              // node's kube-proxy and the ingress drop this pod. The sleep action needs no
              // binary in the image but Kubernetes >= 1.30; exec needs `sleep` in the image.
              lifecycle: {
                preStop:
                  s.preStop === 'exec'
                    ? { exec: { command: ['sleep', String(s.preStopSeconds)] } }
                    : { sleep: { seconds: s.preStopSeconds } },
              },
            },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.service, labels },
    spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
  return [deployment, service];
}

const usage =
  `Usage: holdfast gen k8s --service <name> [options]
       holdfast gen k8s -c holdfast.yaml [--program <name>] [options]

Prints a Kubernetes Deployment and Service wired to the holdfast probes, with a preStop
sleep and a grace period consistent with the service's drain budget.

With -c, a program of a supervisor config is described once: its name, port (the first
listen socket, or env.PORT), instances, env (envFile values are left out: secrets go in a
Secret), limits.memory and limits.cpu, and stopTimeoutMs (the grace period is it plus the
preStop sleep, so the service plans the same shutdown as under the supervisor). Options given
on the command line win over the config. Warnings (what does not carry over, a loopback bind
that would fail every probe in a pod) go to stderr.

The preStop sleep action needs ` +
  `Kubernetes ${PRESTOP_SLEEP_MIN_K8S} or later (beta and on by default ` +
  `in ${PRESTOP_SLEEP_MIN_K8S}, GA in 1.34);
on an older cluster use --prestop exec, which runs 'sleep' in the container (the image needs it).

Options:
  -c, --config <file>     take the program's settings from this supervisor config
  --program <name>        which program of the config (default: its only one)
  --service <name>        service name (DNS-1123 label: lowercase letters, digits, '-')
                          (default: the program's name; required without -c)
  --image <ref>           container image (default: <name>:latest)
  --port <n>              the service's HTTP port (default: the config's, else 3000)
  --admin-port <n>        probes and metrics on a separate admin port
  --replicas <n>          (default: the program's instances, else 2)
  --grace-seconds <n>     terminationGracePeriodSeconds (default: stopTimeoutMs + the preStop sleep, else 30)
  --prestop-seconds <n>   preStop sleep before SIGTERM (default 5)
  --prestop <sleep|exec>  the preStop hook's form (default sleep: Kubernetes >= ${PRESTOP_SLEEP_MIN_K8S})
  --memory <size>         memory request and limit (512Mi, 1Gi; default: limits.memory); NODE_OPTIONS
                          sizes the heap to it (--max-old-space-size = 75 % of it minus 64 MiB, the supervisor's rule)
  --cpu <quantity>        CPU request (500m, 2; default: limits.cpu); no CPU limit is written (it throttles the event loop)
  --json                  print a JSON array instead of YAML

Examples:
  holdfast gen k8s --service orders --image ghcr.io/acme/orders:1.4.2 --port 8080 | kubectl apply -f -
  holdfast gen k8s -c holdfast.yaml --program orders --image ghcr.io/acme/orders:1.4.2 > orders.k8s.yaml`;

const POD_IP =
  "in a pod, the kubelet's probes and the Service connect to the pod's IP, not its loopback, so what listens on " +
  '127.0.0.1 fails every probe and gets no traffic';

export const command: Command = {
  path: ['gen', 'k8s'],
  summary: 'print a Kubernetes Deployment and Service wired to the probes (-c: from a program of holdfast.yaml)',
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      config: { type: 'string', short: 'c' },
      program: { type: 'string' },
      service: { type: 'string' },
      image: { type: 'string' },
      port: { type: 'string' },
      'admin-port': { type: 'string' },
      replicas: { type: 'string' },
      'grace-seconds': { type: 'string' },
      'prestop-seconds': { type: 'string' },
      prestop: { type: 'string' },
      memory: { type: 'string' },
      cpu: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.program !== undefined && values.config === undefined)
      throw new UsageError('--program names a program of a config: pass -c <file> too');
    const spec = values.config === undefined ? undefined : await programSpec(values.config, values.program);
    const service = values.service ?? spec?.program;
    if (!service) throw new UsageError('--service <name> is required (or -c <config> to take it from a program)');
    if (service.length > 63 || !DNS_1123.test(service)) {
      const what = values.service === undefined ? `the program name '${service}'` : `--service '${service}'`;
      throw new UsageError(
        `${what} is not a valid Kubernetes name: use at most 63 lowercase letters, digits and '-', starting and ` +
          `ending with a letter or digit` +
          (values.service === undefined ? ' (give one with --service)' : ''),
      );
    }
    const port = integer('port', values.port, spec?.port ?? 3000, 1, 65535);
    const adminPort = values['admin-port'] === undefined ? undefined : integer('admin-port', values['admin-port'], 0, 1, 65535);
    if (adminPort === port) throw new UsageError(`--admin-port must differ from --port (${port})`);
    const preStop = oneOf('prestop', values.prestop, ['sleep', 'exec'], 'sleep');
    const preStopSeconds = integer('prestop-seconds', values['prestop-seconds'], 5, 0, 3600);
    // Under the supervisor the service plans its shutdown in stopTimeoutMs; in the pod it gets
    // what the grace period leaves after the preStop sleep: the same, rounded up to a second.
    const graceDefault = spec ? Math.ceil(spec.stopTimeoutMs / 1000) + preStopSeconds : 30;
    const graceSeconds = integer('grace-seconds', values['grace-seconds'], graceDefault, 1, 3600);
    if (graceSeconds - preStopSeconds < 2) {
      throw new UsageError(
        `--grace-seconds (${graceSeconds}) must exceed --prestop-seconds (${preStopSeconds}) by at least 2 s, ` +
          'or the service has no time to drain after SIGTERM',
      );
    }
    const image = values.image ?? `${service}:latest`;
    if (/\s/.test(image) || image.length === 0) throw new UsageError(`--image '${image}' is not an image reference`);
    const replicas = integer('replicas', values.replicas, spec?.replicas ?? 2, 0, 1000);
    let memoryBytes = spec?.memoryBytes;
    if (values.memory !== undefined) {
      memoryBytes = parseMemory(values.memory);
      if (memoryBytes === undefined) throw new UsageError(`--memory takes a size like 512Mi or 1Gi, not '${values.memory}'`);
      const problem = nodeLimitProblem(memoryBytes, true, 'or leave --memory out and size the heap yourself');
      if (problem) throw new UsageError(`--memory ${values.memory}: ${problem}`);
    }
    if (values.cpu !== undefined && !/^(\d+m|\d+(\.\d+)?)$/.test(values.cpu))
      throw new UsageError(`--cpu takes a Kubernetes CPU quantity like 500m or 1.5, not '${values.cpu}'`);
    const env = { ...spec?.env };
    if (memoryBytes !== undefined) {
      if (spec) spec.sizeHeap(env, memoryBytes);
      else env.NODE_OPTIONS = nodeHeapFlags(memoryBytes).nodeOptions;
    }

    const warnings = [...(spec?.warnings ?? [])];
    if (spec?.loopback) {
      warnings.push(
        `${spec.loopback}: ${POD_IP}. Under the supervisor that is safe (it holds the socket); in the pod the service binds its own: ` +
          "leave createService's host at its default (0.0.0.0) and do not hand it this address",
      );
    }
    if (adminPort !== undefined) {
      warnings.push(
        `--admin-port ${adminPort}: the probes go to the admin port, which createService binds to 127.0.0.1 by ` +
          `default; ${POD_IP}: set admin: {port: ${adminPort}, host: '0.0.0.0'}`,
      );
    }
    for (const w of warnings) process.stderr.write(`holdfast gen k8s: warning: ${w}\n`);

    const docs = k8sManifests({
      service,
      image,
      port,
      adminPort,
      replicas,
      graceSeconds,
      preStopSeconds,
      memoryBytes,
      cpu: values.cpu ?? spec?.cpu,
      env,
      preStop,
    });
    const header = [
      `# holdfast gen k8s${spec ? ` from ${values.config} (program ${spec.program})` : ''}`,
      ...(preStop === 'sleep'
        ? [
            `# lifecycle.preStop.sleep needs Kubernetes ` +
              `>= ${PRESTOP_SLEEP_MIN_K8S}; for an older cluster: --prestop ` +
              `exec (needs 'sleep' in the image)`,
          ]
        : []),
    ];
    const yaml = () => `${header.join('\n')}\n${docs.map((d) => stringify(d, { aliasDuplicateObjects: false })).join('---\n')}`;
    process.stdout.write(values.json ? `${JSON.stringify(docs, null, 2)}\n` : yaml());
    return 0;
  },
};
