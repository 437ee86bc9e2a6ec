// The incidents section of holdfast.yaml: defaults, and every bad value named with its path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, validateIncidentsConfig, type IncidentsConfig } from '../../src/incidents/config.ts';
import { incidentsJsonSchema } from '../../src/incidents/json-schema.ts';

test('defaults: Alertmanager timings, a 10-minute quiet period, crash loop at 3 restarts in 60 s', () => {
  const v = validateIncidentsConfig({
    receivers: [{ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/x' }],
    routes: [{ receiver: 'ops' }],
  });
  assert.equal(v.ok, true);
  const c = (v as { config: IncidentsConfig }).config;
  assert.deepEqual(c.routes[0], {
    name: 'routes[0]',
    receiver: 'ops',
    match: {},
    groupBy: ['rule', 'program'],
    groupWaitMs: 30_000,
    groupIntervalMs: 300_000,
    repeatIntervalMs: 14_400_000,
    continue: false,
  });
  assert.equal(c.quietPeriodMs, 600_000);
  assert.deepEqual(c.crashLoop, { restarts: 3, windowMs: 60_000 });
  assert.equal(c.owner, 'platform');
  assert.equal(validateIncidentsConfig(undefined).ok, true, 'an empty section is valid');
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('5 minutes'), undefined);
});

test('bad values: each with its path and a fix', () => {
  const v = validateIncidentsConfig({
    recievers: [],
    quietPeriod: 'soon',
    receivers: [
      { name: 'ops', type: 'webhok', url: 'ftp://x' },
      { name: 'ops', type: 'pagerduty' },
      { name: 'h', type: 'slack', url: 'http://x', secret: 'short' },
    ],
    routes: [{ receiver: 'opz', groupBy: ['programme'], match: { severity: 'sev1' }, continue: 'yes' }],
    silences: [{ matchers: {}, endsAt: 'tomorrow' }, { matchers: { program: 'x' } }],
    crashLoop: { restarts: 1 },
  });
  assert.equal(v.ok, false);
  const lines = (v as { issues: { path: (string | number)[]; message: string; hint?: string }[] }).issues.map(
    (i) => `${i.path.join('.')}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`,
  );
  const expect = [
    "recievers: unknown key 'recievers' (did you mean 'receivers'?)",
    "quietPeriod: 'soon' is not a duration",
    "receivers.0.type: 'webhok' is not a receiver type (did you mean 'webhook'?)",
    "receivers.0.url: 'ftp://x' is not an http:// or https:// URL",
    'receivers.1.routingKey: missing',
    "receivers.1.name: duplicate receiver name 'ops' (also receivers[0])",
    'receivers.2.secret: only a webhook receiver signs its requests',
    "routes.0.receiver: unknown receiver 'opz' (did you mean 'ops'?)",
    "routes.0.groupBy.0: 'programme' is not a grouping field (did you mean 'program'?)",
    "routes.0.match.severity: 'sev1' is not a severity",
    'routes.0.continue: expected true or false, got string',
    'silences.0.matchers: give at least one matcher',
    "silences.0.endsAt: 'tomorrow' is not a date and time",
    'silences.1.endsAt: missing: a silence must end',
    'crashLoop.restarts: expected a whole number from 2 to 100',
  ];
  for (const e of expect)
    assert.ok(
      lines.some((l) => l.startsWith(e)),
      `${e}\n${lines.join('\n')}`,
    );
});

test('the JSON Schema for editors names exactly the keys the validator knows', () => {
  const keys = (o: { properties: Record<string, unknown> }) => Object.keys(o.properties).sort();
  const all = Object.fromEntries(keys(incidentsJsonSchema).map((k) => [k, undefined]));
  const v = validateIncidentsConfig(all);
  assert.equal(v.ok, true, JSON.stringify(v));
  const route = incidentsJsonSchema.properties.routes.items;
  const r = validateIncidentsConfig({
    receivers: [{ name: 'x', type: 'webhook', url: 'http://a' }],
    routes: [Object.fromEntries(keys(route).map((k) => [k, k === 'receiver' ? 'x' : undefined]))],
  });
  assert.equal(r.ok, true, JSON.stringify(r));
  const unknown = validateIncidentsConfig({ nope: 1 });
  assert.equal(unknown.ok, false);
});
