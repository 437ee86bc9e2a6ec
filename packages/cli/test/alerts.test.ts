// `holdfast gen alerts` and `holdfast alerts backtest` as a user runs them: real processes, a
// real holdfast service's /metrics, the real promtool; bad configs and replays refused with
// file:line:column, path and a suggestion.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createService } from '@holdfast/service';
import { cannotRun, cleanup, tempDir } from '@holdfast/testkit';
import { Counter } from 'prom-client';
import { parse } from 'yaml';

const bin = fileURLToPath(new URL('../bin/holdfast.ts', import.meta.url));
const run = (args: string[], cwd?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd, timeout: 900_000 });
/** The same, without blocking the event loop (a service in this process answers the child). */
function runAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c));
    p.stderr.on('data', (c: Buffer) => (stderr += c));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const CONFIG = `programs:
  orders:
    command: node orders.js
alerts:
  owner: shop-team
  runbook: https://runbooks.example/shop
  baselines:
    - name: orders_traffic
      service: orders
      by: [service, route]
    - name: orders_errors
      service: orders
      signal: errors
      strategy: adaptive
    - name: orders_p99
      service: orders
      signal: latency
      strategy: robust
      severity: critical
slos:
  - name: orders_availability
    service: orders
    objective: 99.9%
  - name: orders_latency
    service: orders
    indicator: latency
    latency: 250ms
    objective: 0.99
    severity: { page: critical, ticket: warning }
`;

interface Rule {
  record?: string;
  alert?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

test('gen alerts writes rules promtool accepts, every alert with owner, severity and runbook', (t) => {
  if (spawnSync('promtool', ['--version']).status !== 0) return cannotRun(t, 'promtool is not installed (apt-get install prometheus)');
  const dir = tempDir(t, 'holdfast-gen-alerts-');
  writeFileSync(join(dir, 'holdfast.yaml'), CONFIG);
  const r = run(['gen', 'alerts', '-c', 'holdfast.yaml', '-o', 'rules.yaml'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /wrote \d+ recording and 7 alerting rules to rules\.yaml/);
  const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const file = parse(readFileSync(join(dir, 'rules.yaml'), 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
  assert.deepEqual(
    file.groups.map((g) => g.name),
    [
      'holdfast-baseline-orders_traffic',
      'holdfast-baseline-orders_errors',
      'holdfast-baseline-orders_p99',
      'holdfast-slo-orders_availability',
      'holdfast-slo-orders_latency',
    ],
  );
  const alerts = file.groups.flatMap((g) => g.rules).filter((x) => x.alert);
  for (const a of alerts) {
    assert.ok(
      a.labels?.owner && a.labels.severity && a.annotations?.runbook_url && a.annotations.summary && a.annotations.description && a.for,
      `${a.alert} is complete`,
    );
  }
  assert.equal(alerts.find((a) => a.alert === 'OrdersP99Anomaly')!.labels!.severity, 'critical');
  const burn = alerts.find((a) => a.alert === 'OrdersAvailabilityErrorBudgetBurnFast')!;
  assert.equal(burn.labels!.severity, 'critical');
  assert.match(
    burn.annotations!.description!,
    /99\.9 % SLO over 30d .* as fast as it allows .*of the budget per hour.*of the budget is left.*at this rate it is gone in/,
  );
  const lint = run(['alerts', 'lint', 'rules.yaml', '--strict'], dir);
  assert.equal(lint.status, 0, `the incident loop's ledger finds nothing to fix: ${lint.stdout}${lint.stderr}`);
  const json = run(['gen', 'alerts', '-c', 'holdfast.yaml', '--json'], dir);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), file);
});

test(
  'gen alerts refuses a bad target, a short window and an unknown metric with file:line:column, path and a ' +
    'suggestion, and writes nothing',
  (t) => {
    const dir = tempDir(t, 'holdfast-gen-alerts-');
    writeFileSync(
      join(dir, 'holdfast.yaml'),
      `programs:
  orders:
    command: node orders.js
alerts:
  scrapeInterval: 1m
  owner: shop-team
  runbook: https://runbooks.example/shop
  baselines:
    - name: orders_traffic
      service: orders
      rateWindow: 90s
    - name: orders_queue
      service: orders
      signal: metric
      metric: holdfast_http_request_total
slos:
  - name: orders_availability
    service: orders
    objective: 99.9
`,
    );
    const r = run(['gen', 'alerts', '-c', 'holdfast.yaml', '-o', 'rules.yaml'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\[HOLDFAST_E_CONFIG\]/);
    assert.match(
      r.stderr,
      /holdfast\.yaml:19:16 {2}slos\[0\]\.objective: the objective must lie strictly between 0 and 1, got 99\.9: write 0\.999 or "99\.9%" \(did you mean 0\.999\?\)/,
    );
    assert.match(
      r.stderr,
      /holdfast\.yaml:11:19 {2}alerts\.baselines\[0\]\.rateWindow: the 1m30s window is shorter than two scrapes \(scrapeInterval 1m\): rate\(\) needs two samples in it; use at least 4m/,
    );
    assert.match(
      r.stderr,
      /holdfast\.yaml:15:15 {2}alerts\.baselines\[1\]\.metric: the service's registry has no metric 'holdfast_http_request_total' \(did you mean 'holdfast_http_requests_total'\?\)/,
    );
    assert.throws(() => readFileSync(join(dir, 'rules.yaml')), /ENOENT/, 'nothing written');
    const usage = run(['gen', 'alerts'], dir);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /-c <holdfast\.yaml> is required/);
  },
);

test("gen alerts --metrics-url checks names against a running service's registry, its own metrics included", async (t) => {
  const dir = tempDir(t, 'holdfast-gen-alerts-');
  const service = createService({
    name: 'orders',
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    handleProcessErrors: false,
    logger: { level: 'silent' },
  } as Parameters<typeof createService>[0]);
  new Counter({ name: 'shop_orders_placed_total', help: 'orders placed', registers: [service.registry!] });
  service.app.get('/orders', async () => ({ ok: true }));
  const { url } = await service.start();
  cleanup(t, () => service.stop('test over'));
  await fetch(`${url}/orders`);
  const metricsUrl = `${service.adminUrl ?? url}/metrics`;
  const config = (metric: string) =>
    `programs:\n  orders:\n    command: node orders.js\nalerts:\n  owner: shop-team\n  runbook: ` +
    `https://runbooks.example/shop\n  baselines:\n    - name: orders_placed\n      service: orders\n` +
    `      signal: metric\n      metric: ${metric}\n`;
  writeFileSync(join(dir, 'good.yaml'), config('shop_orders_placed_total'));
  writeFileSync(join(dir, 'bad.yaml'), config('shop_order_placed_total'));
  const good = await runAsync(['gen', 'alerts', '-c', join(dir, 'good.yaml'), '--metrics-url', metricsUrl]);
  assert.equal(good.status, 0, good.stderr);
  assert.match(
    good.stdout,
    /sum by \(service\) \(rate\(shop_orders_placed_total\{service="orders"\}\[5m\]\)\)/,
    'a counter of the application, taken as a rate',
  );
  const bad = await runAsync(['gen', 'alerts', '-c', join(dir, 'bad.yaml'), '--metrics-url', metricsUrl]);
  assert.equal(bad.status, 1);
  assert.match(
    bad.stderr,
    /bad\.yaml:11:15 {2}alerts\.baselines\[0\]\.metric: the service's registry has no metric 'shop_order_placed_total' \(did you mean 'shop_orders_placed_total'\?\)/,
  );
});

test(
  'alerts backtest scores each strategy against a static threshold tuned to its recall; a written replay backtests ' +
    'to the same figures',
  (t) => {
    const dir = tempDir(t, 'holdfast-backtest-');
    const generated = run(
      [
        'alerts',
        'backtest',
        '--weeks',
        '1.6',
        '--seed',
        '4',
        '--strategies',
        'seasonal,adaptive',
        '--warmup',
        '7d',
        '--write-replay',
        'replay.om',
        '--json',
      ],
      dir,
    );
    assert.equal(generated.status, 0, generated.stderr);
    assert.match(generated.stderr, /generating a 1\.6-week replay \(seed 4\)/);
    assert.match(generated.stderr, /strategies: day 11 of 11/, 'progress is shown');
    interface Result {
      incidents: unknown[];
      strategies: {
        label: string;
        score: { precision: number; recall: number; falseAlertsPerWeek: number; incidents: number; medianDelayMinutes: number | null };
        staticAtSameRecall?: { score: { recall: number } };
        falseAlertReduction: number | null;
      }[];
    }
    const a = JSON.parse(generated.stdout) as Result;
    assert.deepEqual(
      a.strategies.map((s) => s.label),
      ['seasonal', 'adaptive'],
    );
    for (const s of a.strategies) {
      assert.ok(s.score.incidents > 0 && s.score.recall >= 0 && s.score.recall <= 1 && s.score.precision >= 0 && s.score.precision <= 1);
      assert.ok(
        s.staticAtSameRecall && s.staticAtSameRecall.score.recall >= s.score.recall,
        'the static rule reaches at least the same recall',
      );
    }
    const recorded = run(
      [
        'alerts',
        'backtest',
        '--replay',
        'replay.om',
        '--incidents',
        'replay.om.incidents.json',
        '--strategies',
        'seasonal,adaptive',
        '--warmup',
        '7d',
        '--json',
      ],
      dir,
    );
    assert.equal(recorded.status, 0, recorded.stderr);
    const b = JSON.parse(recorded.stdout) as Result;
    assert.deepEqual(
      b.strategies.map((s) => [s.label, s.score, s.falseAlertReduction]),
      a.strategies.map((s) => [s.label, s.score, s.falseAlertReduction]),
      'the recorded replay gives the generated one’s figures',
    );
    const table = run(
      [
        'alerts',
        'backtest',
        '--replay',
        'replay.om',
        '--incidents',
        'replay.om.incidents.json',
        '--strategies',
        'adaptive',
        '--warmup',
        '7d',
      ],
      dir,
    );
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /strategy +precision +recall +false alerts\/week +median delay/);
  },
);

test('alerts backtest refuses a missing or malformed replay, a window the replay cannot fill and unknown strategies', (t) => {
  const dir = tempDir(t, 'holdfast-backtest-');
  const missing = run(['alerts', 'backtest', '--replay', 'nope.om'], dir);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--replay nope\.om: no such file/);
  writeFileSync(
    join(dir, 'bad.om'),
    'holdfast_http_requests_total{route="/a"} 1 60\nholdfast_http_requests_total{route="/a"} x 120\n# EOF\n',
  );
  const bad = run(['alerts', 'backtest', '--replay', 'bad.om'], dir);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /\[HOLDFAST_E_REPLAY\] the replay cannot be read: bad\.om:2: 'x' is not a value/);
  // Samples every 5 minutes: a 5-minute rate window never holds two of them.
  const coarse = ['# TYPE holdfast_http_requests counter'];
  for (let i = 0; i < 4000; i++) coarse.push(`holdfast_http_requests_total{service="shop",route="/a"} ${i * 100} ${i * 300}`);
  writeFileSync(join(dir, 'coarse.om'), coarse.join('\n') + '\n# EOF\n');
  const window = run(['alerts', 'backtest', '--replay', 'coarse.om'], dir);
  assert.equal(window.status, 2);
  assert.match(
    window.stderr,
    /the baseline's 5m rate window is shorter than two samples of this replay \(one every 5m\): use a rateWindow of at least 20m/,
  );
  const unknown = run(['alerts', 'backtest', '--strategies', 'seasonl'], dir);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown strategy 'seasonl'/);
});
