// The alerts: and slos: sections: defaults, and every bad input refused with its path and a fix
// (through @holdfast/config's loader, the way holdfast.yaml is read: file:line:column).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfigText } from '@holdfast/config';
import { z } from 'zod';
import { alertsCatalogChecks, alertsChecks, alertsSchema, resolveAlerts, slosSchema } from '../../src/thresholds/schema.ts';
import { catalogFromExposition } from '../../src/thresholds/catalog.ts';

const schema = z
  .strictObject({ alerts: alertsSchema.optional(), slos: slosSchema.optional() })
  .check(z.superRefine(alertsChecks(), { when: () => true }));
const catalog = catalogFromExposition(`# TYPE holdfast_http_requests_total counter
# TYPE holdfast_http_request_duration_seconds histogram
holdfast_http_request_duration_seconds_bucket{le="0.1"} 1
holdfast_http_request_duration_seconds_bucket{le="0.25"} 2
holdfast_http_request_duration_seconds_bucket{le="+Inf"} 3
# TYPE holdfast_event_loop_delay_seconds histogram
# TYPE process_resident_memory_bytes gauge
`);
const withCatalog = schema.check(z.superRefine(alertsCatalogChecks(catalog), { when: () => true }));

function issues(yaml: string, s: z.ZodType = withCatalog): string[] {
  try {
    parseConfigText(yaml, s, { file: 'holdfast.yaml' });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.line}:${i.column} ${i.path.join('.')}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
  return [];
}

test('a minimal section gets the documented defaults', () => {
  const cfg = parseConfigText(
    'alerts:\n  owner: shop\n  runbook: https://r\n  baselines:\n    - name: orders_traffic\n      service: orders\n' +
      'slos:\n  - name: avail\n    service: orders\n    objective: "99.9%"\n',
    withCatalog,
  ) as z.output<typeof schema>;
  const { config, issues: problems } = resolveAlerts(cfg.alerts, cfg.slos, catalog);
  assert.deepEqual(problems, []);
  const b = config.baselines[0]!;
  assert.equal(b.alert, 'OrdersTrafficAnomaly');
  assert.deepEqual(
    [b.signal, b.strategy, b.direction, b.rateWindowMs, b.forMs, b.metric],
    ['requests', 'seasonal', 'both', 300_000, 300_000, 'holdfast_http_requests_total'],
  );
  assert.deepEqual(b.meta, { owner: 'shop', runbook: 'https://r', severity: 'warning' });
  assert.deepEqual(b.matchers, { service: 'orders' });
  const s = config.slos[0]!;
  assert.equal(s.objective, 0.999);
  assert.equal(s.periodMs, 30 * 86_400_000);
  assert.deepEqual([s.owner, s.pageSeverity, s.ticketSeverity, s.minRequests], ['shop', 'critical', 'warning', 100]);
  assert.equal(config.scrapeIntervalMs, 15_000);
});

test('an SLO target outside (0, 1) is refused at its line, with the likely meaning suggested', () => {
  const yaml = (objective: string) =>
    `alerts:\n  owner: shop\n  runbook: https://r\nslos:\n  - name: avail\n    service: orders\n    objective: ${objective}\n`;
  assert.deepEqual(issues(yaml('99.9')), [
    '7:16 slos.0.objective: the objective must lie strictly between 0 and 1, got 99.9: write 0.999 or "99.9%" (did you mean 0.999?)',
  ]);
  for (const bad of ['1', '0', '-0.5', '"120%"', '"high"'])
    assert.match(issues(yaml(bad))[0] ?? '', /slos\.0\.objective: the objective must lie strictly between 0 and 1/, bad);
  assert.deepEqual(issues(yaml('0.9999')), []);
});

test('a window shorter than two scrapes is refused, with a window that works', () => {
  const got = issues(
    'alerts:\n  scrapeInterval: 1m\n  owner: shop\n  runbook: https://r\n  baselines:\n    - name: t\n      service: ' +
      'orders\n      rateWindow: 90s\nslos:\n  - name: avail\n    service: orders\n    objective: 0.99\n    period: 1d\n',
  );
  assert.deepEqual(got, [
    '8:19 alerts.baselines.0.rateWindow: the 1m30s window is shorter than two scrapes (scrapeInterval 1m): rate() ' +
      'needs two samples in it; use at least 4m',
    '13:13 slos.0.period: the 10s burn-rate window of a 1d period is shorter than two scrapes (scrapeInterval 1m): ' +
      'scrape more often or lengthen the period',
  ]);
});

test("a metric the service's registry lacks is refused with the closest name; wrong types and latency bounds too", () => {
  const got = issues(
    'alerts:\n  owner: shop\n  runbook: https://r\n  baselines:\n' +
      '    - name: a\n      service: orders\n      signal: metric\n      metric: holdfast_http_request_total\n' +
      '    - name: b\n      service: orders\n      signal: latency\n      metric: process_resident_memory_bytes\n' +
      '    - name: c\n      service: orders\n      signal: metric\n      metric: holdfast_http_request_duration_seconds_bucket\n' +
      'slos:\n  - name: slow\n    service: orders\n    indicator: latency\n    latency: 300ms\n    objective: 0.99\n',
  );
  assert.deepEqual(got, [
    "8:15 alerts.baselines.0.metric: the service's registry has no metric 'holdfast_http_request_total' (did you mean " +
      "'holdfast_http_requests_total'?)",
    "12:15 alerts.baselines.1.metric: 'process_resident_memory_bytes' is a gauge; signal 'latency' needs a histogram",
    "16:15 alerts.baselines.2.metric: 'holdfast_http_request_duration_seconds_bucket' is a series of the histogram " +
      "'holdfast_http_request_duration_seconds': name the histogram",
    '21:14 slos.0.latency: 0.3s is not a bucket bound of holdfast_http_request_duration_seconds (0.1, 0.25): a ' +
      'latency SLO counts the requests under a bound (did you mean 0.25?)',
  ]);
});

test('every alert needs an owner and a runbook; names are unique; every problem is reported at once', () => {
  const got = issues(
    'alerts:\n  baselines:\n    - name: t\n      service: orders\n      strategy: seasonl\n    - name: t\n' +
      '      service: orders\n    - name: u\nslos:\n  - name: t\n    service: orders\n    objective: 0.99\n' +
      '    owner: shop\n    runbook: https://r\n',
  );
  assert.deepEqual(got, [
    '5:17 alerts.baselines.0.strategy: Invalid option: expected one of ' +
      '"seasonal"|"adaptive"|"robust"|"static"|"week-average" (did you mean \'seasonal\'?)',
    '6:7 alerts.baselines.1.owner: no owner: every alert names its owner (set it here or once under alerts.owner)',
    '6:7 alerts.baselines.1.runbook: no runbook: every alert names its runbook (set it here or once under alerts.runbook)',
    '8:7 alerts.baselines.2.service: name the service (or give matchers): a baseline over every series of a metric is rarely meant',
    '8:7 alerts.baselines.2.owner: no owner: every alert names its owner (set it here or once under alerts.owner)',
    '8:7 alerts.baselines.2.runbook: no runbook: every alert names its runbook (set it here or once under alerts.runbook)',
    "10:11 slos.0.name: the name 't' is already used at alerts.baselines.1.name: names must be unique across baselines and SLOs",
  ]);
});
