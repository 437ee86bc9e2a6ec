// `holdfast gen k8s`: a Deployment and a Service whose probes, preStop hook and grace period
// agree with the service runtime's drain, so a rollout never routes to a pod that is leaving
// and never SIGKILLs one that is still draining.
import { stringify } from 'yaml';
import { nodeHeapFlags, nodeLimitProblem } from '@holdfast/config/node-heap';
import { integer, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface K8sSpec {
  service: string;
  image: string;
  port: number;
  adminPort: number | undefined;
  replicas: number;
  graceSeconds: number;
  preStopSeconds: number;
  /** Memory request = limit, in bytes; NODE_OPTIONS sizes the heap to it. */
  memoryBytes?: number | undefined;
  /** CPU request (a request only: a CPU limit throttles a Node event loop in bursts). */
  cpu?: string | undefined;
}

const MiB = 2 ** 20;

/** A memory size as Kubernetes writes it (512Mi, 2Gi) or holdfast does (512MiB); bytes or undefined. */
export function parseMemory(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|KiB|MiB|GiB|K|M|G)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').replace(/B$/, '');
  const mult: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: MiB, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 };
  return Math.round(Number(m[1]) * mult[unit]!);
}

export function k8sManifests(s: K8sSpec): Record<string, unknown>[] {
  const labels = { 'app.kubernetes.io/name': s.service };
  const probePort = s.adminPort === undefined ? 'http' : 'admin';
  // SIGTERM arrives after the preStop sleep, which counts against the grace period: the
  // service gets what is left, and needs no shutdown delay of its own (the sleep did that).
  const drainBudgetMs = (s.graceSeconds - s.preStopSeconds) * 1000;
  // Request = limit for memory: a pod is never OOM-killed for using what it was promised, and
  // the heap sized to the limit (the supervisor's rule, @holdfast/config/node-heap) stays inside it.
  const heap = s.memoryBytes === undefined ? undefined : nodeHeapFlags(s.memoryBytes);
  const memory = s.memoryBytes === undefined ? undefined : `${Math.floor(s.memoryBytes / MiB)}Mi`;
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
                ...(heap ? [{ name: 'NODE_OPTIONS', value: heap.nodeOptions }] : []),
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
              // node's kube-proxy and the ingress drop this pod.
              lifecycle: { preStop: { sleep: { seconds: s.preStopSeconds } } },
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

const usage = `Usage: holdfast gen k8s --service <name> [options]

Prints a Kubernetes Deployment and Service wired to the holdfast probes, with a preStop
sleep and a grace period consistent with the service's drain budget.

Options:
  --service <name>        service name (DNS-1123 label: lowercase letters, digits, '-')   [required]
  --image <ref>           container image (default: <name>:latest)
  --port <n>              the service's HTTP port (default 3000)
  --admin-port <n>        probes and metrics on a separate admin port
  --replicas <n>          (default 2)
  --grace-seconds <n>     terminationGracePeriodSeconds (default 30)
  --prestop-seconds <n>   preStop sleep before SIGTERM (default 5)
  --memory <size>         memory request and limit (512Mi, 1Gi); NODE_OPTIONS sizes the heap to it
                          (--max-old-space-size = 75 % of it minus 64 MiB, the supervisor's rule)
  --cpu <quantity>        CPU request (500m, 2); no CPU limit is written (it throttles the event loop)
  --json                  print a JSON array instead of YAML

Example:
  holdfast gen k8s --service orders --image ghcr.io/acme/orders:1.4.2 --port 8080 | kubectl apply -f -`;

export const command: Command = {
  path: ['gen', 'k8s'],
  summary: 'print a Kubernetes Deployment and Service wired to the probes',
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      service: { type: 'string' },
      image: { type: 'string' },
      port: { type: 'string' },
      'admin-port': { type: 'string' },
      replicas: { type: 'string' },
      'grace-seconds': { type: 'string' },
      'prestop-seconds': { type: 'string' },
      memory: { type: 'string' },
      cpu: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.service) throw new UsageError('--service <name> is required');
    if (values.service.length > 63 || !DNS_1123.test(values.service)) {
      throw new UsageError(
        `--service '${values.service}' is not a valid Kubernetes name: use at most 63 lowercase letters, digits and '-', ` +
          'starting and ending with a letter or digit',
      );
    }
    const port = integer('port', values.port, 3000, 1, 65535);
    const adminPort = values['admin-port'] === undefined ? undefined : integer('admin-port', values['admin-port'], 0, 1, 65535);
    if (adminPort === port) throw new UsageError(`--admin-port must differ from --port (${port})`);
    const graceSeconds = integer('grace-seconds', values['grace-seconds'], 30, 1, 3600);
    const preStopSeconds = integer('prestop-seconds', values['prestop-seconds'], 5, 0, 3600);
    if (graceSeconds - preStopSeconds < 2) {
      throw new UsageError(
        `--grace-seconds (${graceSeconds}) must exceed --prestop-seconds (${preStopSeconds}) by at least 2 s, ` +
          'or the service has no time to drain after SIGTERM',
      );
    }
    const image = values.image ?? `${values.service}:latest`;
    if (/\s/.test(image) || image.length === 0) throw new UsageError(`--image '${image}' is not an image reference`);
    const replicas = integer('replicas', values.replicas, 2, 0, 1000);
    let memoryBytes: number | undefined;
    if (values.memory !== undefined) {
      memoryBytes = parseMemory(values.memory);
      if (memoryBytes === undefined) throw new UsageError(`--memory takes a size like 512Mi or 1Gi, not '${values.memory}'`);
      const problem = nodeLimitProblem(memoryBytes, true, 'or leave --memory out and size the heap yourself');
      if (problem) throw new UsageError(`--memory ${values.memory}: ${problem}`);
    }
    if (values.cpu !== undefined && !/^(\d+m|\d+(\.\d+)?)$/.test(values.cpu)) throw new UsageError(`--cpu takes a Kubernetes CPU quantity like 500m or 1.5, not '${values.cpu}'`);
    const docs = k8sManifests({ service: values.service, image, port, adminPort, replicas, graceSeconds, preStopSeconds, memoryBytes, cpu: values.cpu });
    const yaml = () => docs.map((d) => stringify(d, { aliasDuplicateObjects: false })).join('---\n');
    process.stdout.write(values.json ? `${JSON.stringify(docs, null, 2)}\n` : yaml());
    return 0;
  },
};
