import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';

const bin = fileURLToPath(new URL('../bin/holdfast.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value: string }[];
  startupProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string }; failureThreshold: number };
  livenessProbe: { httpGet: { path: string; port: string } };
  lifecycle: { preStop: { sleep: { seconds: number } } };
}
interface Deployment {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { terminationGracePeriodSeconds: number; containers: Container[] } };
  };
}
interface Service {
  apiVersion: string;
  kind: string;
  spec: { selector: Record<string, string>; ports: { targetPort: string; port: number }[] };
}

function generate(...args: string[]): [Deployment, Service] {
  const r = run('gen', 'k8s', ...args);
  assert.equal(r.status, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS() as unknown;
  });
  assert.equal(docs.length, 2);
  assert.ok(!r.stdout.includes('&a'), 'no YAML anchors: kubectl users read this');
  return docs as [Deployment, Service];
}

function validate(dep: Deployment, svc: Service) {
  assert.equal(dep.apiVersion, 'apps/v1');
  assert.equal(dep.kind, 'Deployment');
  assert.equal(svc.apiVersion, 'v1');
  assert.equal(svc.kind, 'Service');
  assert.deepEqual(dep.spec.selector.matchLabels, dep.spec.template.metadata.labels, 'selector matches the pod template');
  assert.deepEqual(svc.spec.selector, dep.spec.template.metadata.labels, 'the Service selects the pods');
  const c = dep.spec.template.spec.containers[0]!;
  const portNames = new Set(c.ports.map((p) => p.name));
  for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
    assert.ok(portNames.has(probe.httpGet.port), `probe port '${probe.httpGet.port}' is a named container port`);
  }
  for (const p of svc.spec.ports) assert.ok(portNames.has(p.targetPort));
  assert.equal(c.startupProbe.httpGet.path, '/startupz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/livez');
  const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
  const grace = dep.spec.template.spec.terminationGracePeriodSeconds;
  const preStop = c.lifecycle.preStop.sleep.seconds;
  const budget = Number(env.HOLDFAST_TERMINATION_GRACE_MS);
  assert.equal(budget, (grace - preStop) * 1000, 'the drain budget is what the grace period leaves after preStop');
  assert.ok(Number(env.HOLDFAST_TERMINATION_GRACE_MS) + preStop * 1000 <= grace * 1000, 'never overruns the grace period');
  return { c, env, grace, preStop };
}

test('gen k8s: defaults validate and are consistent', () => {
  const [dep, svc] = generate('--service', 'orders');
  const { c, env, grace, preStop } = validate(dep, svc);
  assert.equal(dep.metadata.name, 'orders');
  assert.equal(c.image, 'orders:latest');
  assert.equal(env.PORT, '3000');
  assert.equal(grace, 30);
  assert.equal(preStop, 5);
  assert.equal(dep.spec.replicas, 2);
});

test('gen k8s: options flow through, probes move to the admin port', () => {
  const [dep, svc] = generate(
    ...['--service', 'pay-api', '--image', 'ghcr.io/acme/pay:1.2', '--port', '8080', '--admin-port', '9090'],
    ...['--grace-seconds', '60', '--prestop-seconds', '10', '--replicas', '4'],
  );
  const { c, env } = validate(dep, svc);
  assert.equal(c.image, 'ghcr.io/acme/pay:1.2');
  assert.equal(c.readinessProbe.httpGet.port, 'admin');
  assert.deepEqual(c.ports.map((p) => [p.name, p.containerPort]), [['http', 8080], ['admin', 9090]]);
  assert.equal(env.HOLDFAST_TERMINATION_GRACE_MS, '50000');
  assert.equal(dep.spec.replicas, 4);
});

test('gen k8s --json prints the same objects', () => {
  const r = run('gen', 'k8s', '--service', 'orders', '--json');
  const [dep, svc] = JSON.parse(r.stdout) as [Deployment, Service];
  validate(dep, svc);
});

test('--memory: request = limit, and NODE_OPTIONS sizing the heap to it by the supervisor\'s rule; --cpu a request only', () => {
  const r = run('gen', 'k8s', '--service', 'orders', '--memory', '512Mi', '--cpu', '500m', '--json');
  assert.equal(r.status, 0, r.stderr);
  const [dep] = JSON.parse(r.stdout) as [Deployment & { spec: { template: { spec: { containers: (Container & { resources: unknown })[] } } } }];
  const c = dep.spec.template.spec.containers[0]!;
  assert.deepEqual(c.resources, { requests: { memory: '512Mi', cpu: '500m' }, limits: { memory: '512Mi' } });
  assert.equal(c.env.find((e) => e.name === 'NODE_OPTIONS')?.value, '--max-old-space-size=320');
  const none = JSON.parse(run('gen', 'k8s', '--service', 'orders', '--json').stdout) as [Deployment];
  assert.equal(none[0].spec.template.spec.containers[0]!.env.some((e) => e.name === 'NODE_OPTIONS'), false);
});

const badArgs: [string[], RegExp][] = [
  [[], /--service <name> is required/],
  [['--service', 'Orders_API'], /not a valid Kubernetes name/],
  [['--service', 'orders', '--port', '70000'], /--port must be an integer from 1 to 65535, got '70000'/],
  [['--service', 'orders', '--port', 'http'], /--port must be an integer/],
  [['--service', 'orders', '--grace-seconds', '5', '--prestop-seconds', '5'], /must exceed --prestop-seconds/],
  [['--service', 'orders', '--admin-port', '3000'], /--admin-port must differ from --port/],
  [['--service', 'orders', '--replicas=-1'], /--replicas must be an integer from 0/],
  [['--service', 'orders', '--colour', 'blue'], /unknown option '--colour'/],
  [['--service', 'orders', '--memory', '100Mi'], /--memory 100Mi: 100MiB is too small for a Node program: .* give at least 128MiB, or leave --memory out/],
  [['--service', 'orders', '--memory', 'lots'], /--memory takes a size like 512Mi or 1Gi, not 'lots'/],
  [['--service', 'orders', '--cpu', 'two'], /--cpu takes a Kubernetes CPU quantity like 500m or 1.5, not 'two'/],
];
for (const [args, pattern] of badArgs) {
  test(`gen k8s rejects bad input: ${args.join(' ') || '(no arguments)'}`, () => {
    const r = run('gen', 'k8s', ...args);
    assert.equal(r.status, 2);
    assert.match(r.stderr, pattern);
    assert.match(r.stderr, /Usage: holdfast gen k8s/);
    assert.equal(r.stdout, '', 'nothing printed to stdout on error');
  });
}

test('an unknown command suggests the near ones', () => {
  const r = run('gen', 'k9s');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'gen k9s'.*holdfast gen k8s/);
});
