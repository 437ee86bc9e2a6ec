import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { tempDir } from '@holdfast/testkit';

const bin = fileURLToPath(new URL('../bin/holdfast.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const runIn = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });

interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value: string }[];
  startupProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string }; failureThreshold: number };
  livenessProbe: { httpGet: { path: string; port: string } };
  lifecycle: { preStop: { sleep?: { seconds: number }; exec?: { command: string[] } } };
  resources?: { requests: Record<string, string>; limits?: Record<string, string> };
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

function parseManifests(stdout: string): [Deployment, Service] {
  const docs = parseAllDocuments(stdout).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS() as unknown;
  });
  assert.equal(docs.length, 2);
  return docs as [Deployment, Service];
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
  const preStop = c.lifecycle.preStop.sleep?.seconds ?? Number(c.lifecycle.preStop.exec?.command[1]);
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
  assert.deepEqual(
    c.ports.map((p) => [p.name, p.containerPort]),
    [
      ['http', 8080],
      ['admin', 9090],
    ],
  );
  assert.equal(env.HOLDFAST_TERMINATION_GRACE_MS, '50000');
  assert.equal(dep.spec.replicas, 4);
});

test('gen k8s --json prints the same objects', () => {
  const r = run('gen', 'k8s', '--service', 'orders', '--json');
  const [dep, svc] = JSON.parse(r.stdout) as [Deployment, Service];
  validate(dep, svc);
});

test("--memory: request = limit, and NODE_OPTIONS sizing the heap to it by the supervisor's rule; --cpu a request only", () => {
  const r = run('gen', 'k8s', '--service', 'orders', '--memory', '512Mi', '--cpu', '500m', '--json');
  assert.equal(r.status, 0, r.stderr);
  const [dep] = JSON.parse(r.stdout) as [
    Deployment & { spec: { template: { spec: { containers: (Container & { resources: unknown })[] } } } },
  ];
  const c = dep.spec.template.spec.containers[0]!;
  assert.deepEqual(c.resources, { requests: { memory: '512Mi', cpu: '500m' }, limits: { memory: '512Mi' } });
  assert.equal(c.env.find((e) => e.name === 'NODE_OPTIONS')?.value, '--max-old-space-size=320');
  const none = JSON.parse(run('gen', 'k8s', '--service', 'orders', '--json').stdout) as [Deployment];
  assert.equal(
    none[0].spec.template.spec.containers[0]!.env.some((e) => e.name === 'NODE_OPTIONS'),
    false,
  );
});

/** A supervisor config with the program a user would put in a pod, in a temp dir. */
function userConfig(t: TestContext, programs: string): string {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'secrets.env'), 'API_KEY=s3cret\nexport DB_PASSWORD="p w"\n');
  writeFileSync(join(dir, 'holdfast.yaml'), `programs:\n${programs}`);
  return dir;
}

const VISITS = `  visits:
    command: node visits.ts
    instances: 3
    stopTimeoutMs: 20s
    listen: [{port: 8080, host: 127.0.0.1}]
    env: {REDIS_URL: "redis://cache:6379", LOG_LEVEL: debug, HOLDFAST_SHUTDOWN_DELAY_MS: 100}
    envFile: secrets.env
    limits: {memory: 256MiB, cpu: 0.5}
  worker:
    command: python3 worker.py
    limits: {memory: 512MiB}
`;

test('gen k8s -c --program: name, port, instances, env, limits and the stop budget come from holdfast.yaml', (t) => {
  const dir = userConfig(t, VISITS);
  const r = runIn(dir, 'gen', 'k8s', '-c', 'holdfast.yaml', '--program', 'visits', '--image', 'ghcr.io/acme/visits:1.0');
  assert.equal(r.status, 0, r.stderr);
  const [dep, svc] = parseManifests(r.stdout);
  const { c, env, grace, preStop } = validate(dep, svc);
  assert.equal(dep.metadata.name, 'visits');
  assert.equal(c.image, 'ghcr.io/acme/visits:1.0');
  assert.equal(dep.spec.replicas, 3, 'instances → replicas');
  assert.deepEqual(
    c.ports.map((p) => [p.name, p.containerPort]),
    [['http', 8080]],
    'the listen port',
  );
  assert.equal(env.PORT, '8080');
  assert.equal(env.REDIS_URL, 'redis://cache:6379');
  assert.equal(env.LOG_LEVEL, 'debug');
  // The service plans the same shutdown as under the supervisor: stopTimeoutMs after the preStop sleep.
  assert.equal(env.HOLDFAST_TERMINATION_GRACE_MS, '20000');
  assert.equal(grace, 20 + preStop);
  assert.equal(env.HOLDFAST_SHUTDOWN_DELAY_MS, '0', 'the preStop sleep is the delay; the config value is not copied');
  assert.deepEqual(c.resources, { requests: { memory: '256Mi', cpu: '500m' }, limits: { memory: '256Mi' } });
  assert.equal(env.NODE_OPTIONS, '--max-old-space-size=128', "the supervisor's heap rule for 256 MiB");
  assert.equal(env.API_KEY, undefined, 'envFile values stay out of the manifest');
  assert.equal(env.DB_PASSWORD, undefined);
  assert.match(r.stderr, /warning: programs\.visits\.envFile \(secrets\.env\): API_KEY, DB_PASSWORD not written into the manifest.*Secret/);
  assert.match(r.stderr, /warning: programs\.visits\.env\.HOLDFAST_SHUTDOWN_DELAY_MS is not copied/);
  assert.match(
    r.stderr,
    /warning: programs\.visits\.listen\[0\]\.host is 127\.0\.0\.1: in a pod, the kubelet's probes .* fails every probe/,
  );
  assert.match(
    r.stdout,
    /^# holdfast gen k8s from holdfast\.yaml \(program visits\)\n# lifecycle\.preStop\.sleep needs Kubernetes >= 1\.30; for an older cluster: --prestop exec/,
  );
});

test('gen k8s -c: the command line wins over the config; --prestop exec for clusters before 1.30', (t) => {
  const dir = userConfig(t, VISITS);
  const r = runIn(
    dir,
    'gen',
    'k8s',
    '-c',
    'holdfast.yaml',
    '--program',
    'visits',
    '--replicas',
    '5',
    '--port',
    '9000',
    '--memory',
    '1Gi',
    '--prestop',
    'exec',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  const [dep, svc] = JSON.parse(r.stdout) as [Deployment, Service];
  const { c, env } = validate(dep, svc);
  assert.equal(dep.spec.replicas, 5);
  assert.equal(env.PORT, '9000');
  assert.deepEqual(c.lifecycle.preStop, { exec: { command: ['sleep', '5'] } });
  assert.deepEqual(c.resources?.limits, { memory: '1Gi' });
  assert.equal(env.NODE_OPTIONS, '--max-old-space-size=704');
});

test("gen k8s -c: the heap follows the program's own rule (not Node: none; nodeHeap off: none; a size in NODE_OPTIONS kept)", (t) => {
  const dir = userConfig(
    t,
    `  worker:
    command: python3 worker.py
    limits: {memory: 512MiB}
  off:
    command: node off.js
    limits: {memory: 512MiB, nodeHeap: "off"}
  own:
    command: node own.js
    env: {NODE_OPTIONS: "--enable-source-maps --max-old-space-size=200"}
    limits: {memory: 512MiB}
`,
  );
  const envOf = (program: string) => {
    const r = runIn(dir, 'gen', 'k8s', '-c', 'holdfast.yaml', '--program', program, '--json');
    assert.equal(r.status, 0, r.stderr);
    const [dep] = JSON.parse(r.stdout) as [Deployment];
    const c = dep.spec.template.spec.containers[0]!;
    assert.deepEqual(c.resources?.limits, { memory: '512Mi' });
    return Object.fromEntries(c.env.map((e) => [e.name, e.value]));
  };
  assert.equal(envOf('worker').NODE_OPTIONS, undefined);
  assert.equal(envOf('off').NODE_OPTIONS, undefined);
  assert.equal(envOf('own').NODE_OPTIONS, '--enable-source-maps --max-old-space-size=200');
});

test('gen k8s -c: the only program needs no --program; a decimal size is written exactly; no loopback, no warning', (t) => {
  const dir = userConfig(t, `  api:\n    command: node api.js\n    env: {PORT: 4000}\n    limits: {memory: 256MB, cpu: 2}\n`);
  const r = runIn(dir, 'gen', 'k8s', '-c', 'holdfast.yaml', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const [dep, svc] = JSON.parse(r.stdout) as [Deployment, Service];
  const { c, env } = validate(dep, svc);
  assert.equal(env.PORT, '4000');
  assert.equal(dep.spec.replicas, 1);
  assert.deepEqual(
    c.resources,
    { requests: { memory: '256M', cpu: '2' }, limits: { memory: '256M' } },
    '256MB is decimal: 256M, not 244Mi',
  );
  assert.equal(env.HOLDFAST_TERMINATION_GRACE_MS, '10000', 'the default stopTimeoutMs');
});

test('gen k8s -c refuses what it cannot describe, naming it', (t) => {
  const dir = userConfig(t, VISITS + `  My_Api:\n    command: node api.js\n`);
  const cases: [string[], RegExp][] = [
    [
      ['--program', 'visit'],
      /--program 'visit' is not a program of .*holdfast\.yaml \(did you mean 'visits'\?\); its programs: visits, worker, My_Api/,
    ],
    [[], /has 3 programs \(visits, worker, My_Api\): say which with --program <name>/],
    [['--program', 'My_Api'], /the program name 'My_Api' is not a valid Kubernetes name.*\(give one with --service\)/],
  ];
  for (const [args, pattern] of cases) {
    const r = runIn(dir, 'gen', 'k8s', '-c', 'holdfast.yaml', ...args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stdout, '');
  }
  const named = runIn(dir, 'gen', 'k8s', '-c', 'holdfast.yaml', '--program', 'My_Api', '--service', 'my-api', '--json');
  assert.equal(named.status, 0, named.stderr);
  const noConfig = run('gen', 'k8s', '--program', 'visits');
  assert.equal(noConfig.status, 2);
  assert.match(noConfig.stderr, /--program names a program of a config: pass -c <file> too/);
});

test('gen k8s -c with a config that does not validate prints its problems with file:line and nothing else', (t) => {
  const dir = userConfig(t, `  api:\n    command: node api.js\n    instanses: 2\n`);
  const r = runIn(dir, 'gen', 'k8s', '-c', 'holdfast.yaml');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /holdfast\.yaml:4:5 +programs\.api\.instanses: unknown key 'instanses' \(did you mean 'instances'\?\)/);
  assert.equal(r.stdout, '');
});

test('gen k8s --admin-port warns that the admin server binds loopback by default', () => {
  const r = run('gen', 'k8s', '--service', 'orders', '--admin-port', '9090', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: --admin-port 9090: .*binds to 127\.0\.0\.1 by default.*set admin: \{port: 9090, host: '0\.0\.0\.0'\}/);
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
  [
    ['--service', 'orders', '--memory', '100Mi'],
    /--memory 100Mi: 100MiB is too small for a Node program: .* give at least 128MiB, or leave --memory out/,
  ],
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
