// holdfast and a real Alertmanager (the Debian prometheus-alertmanager, started on free ports):
// incidents holdfast raises appear in Alertmanager through its API v2, and alerts Alertmanager
// routes to holdfast's webhook receiver become incidents, resolved when Alertmanager says so.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cannotRun, freePort, startChild, tempDir, waitFor } from '@holdfast/testkit';
import { IncidentsClient } from '../src/index.ts';
import { node, startDaemon, writeConfig } from './helpers.ts';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const TOKEN = 'incidents-test-token-0123456789';

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
}

async function alertmanager(t: TestContext, dir: string, holdfastPort: number): Promise<string> {
  const port = await freePort();
  const conf = join(dir, 'alertmanager.yml');
  // Alerts holdfast sent (holdfast_incident label) go nowhere: routing them back would loop.
  writeFileSync(
    conf,
    `route:
  receiver: holdfast
  group_by: ['alertname']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: blackhole
      matchers: ['holdfast_incident=~".+"']
receivers:
  - name: blackhole
  - name: holdfast
    webhook_configs:
      - url: http://127.0.0.1:${holdfastPort}/v1/alertmanager
        send_resolved: true
        http_config:
          authorization: {credentials: ${TOKEN}}
`,
  );
  mkdirSync(join(dir, 'am-data'));
  const child = startChild(t, ALERTMANAGER, [
    `--config.file=${conf}`,
    `--storage.path=${join(dir, 'am-data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Alertmanager ready', async () => (await fetch(`${url}/-/ready`)).ok, { timeoutMs: 20_000 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${child.stderr()}`);
  });
  return url;
}

test('holdfast incidents appear in Alertmanager; Alertmanager alerts become holdfast incidents and resolve with it', async (t) => {
  if (!existsSync(ALERTMANAGER))
    return cannotRun(t, `${ALERTMANAGER} is missing (apt-get install prometheus-alertmanager): this test needs a real Alertmanager`);
  const httpPort = await freePort();
  const dir = tempDir(t, 'hf-sup-');
  const am = await alertmanager(t, dir, httpPort);
  const { config: withIncidents } = await writeConfig(
    t,
    `supervisor:
  socket: ${join(dir, 's.sock')}
  stateDir: ${join(dir, 'state')}
  logLevel: warn
  http: {port: ${httpPort}, token: ${TOKEN}}
programs:
  idle:
    command: [${node}, -e, "setInterval(() => {}, 1000)"]
    ready: {afterMs: 0}
incidents:
  quietPeriod: 1h
  receivers: [{name: am, type: alertmanager, url: '${am}'}]
  routes: [{receiver: am, groupBy: ['...'], groupWait: 0, groupInterval: 0}]
`,
    { dir },
  );
  await startDaemon(t, withIncidents);
  const inc = new IncidentsClient({ socket: withIncidents.supervisor.socket });

  // holdfast → Alertmanager
  const { results } = await inc.signals([
    { kind: 'program.fatal', at: Date.now(), summary: 'billing is FATAL: exit code 1', program: 'billing' },
  ]);
  const incident = results[0]!.incident;
  const posted = await waitFor('the incident in Alertmanager', async () => {
    const alerts = (await (await fetch(`${am}/api/v2/alerts`)).json()) as AmAlert[];
    return alerts.find((a) => a.labels.holdfast_incident === String(incident));
  });
  assert.equal(posted.labels.alertname, 'holdfast_fatal');
  assert.equal(posted.labels.severity, 'critical');
  assert.equal(posted.labels.program, 'billing');
  assert.match(posted.labels.dedup_key!, /^hf1:program:billing:[0-9a-f]{16}$/);
  assert.equal(posted.annotations.summary, 'billing is FATAL: exit code 1');
  assert.equal(posted.status.state, 'active');
  await inc.resolve(incident, { cause: 'bad release rolled back' });
  await waitFor('resolved in Alertmanager (gone from the active alerts)', async () => {
    const alerts = (await (await fetch(`${am}/api/v2/alerts?active=true`)).json()) as AmAlert[];
    return !alerts.some((a) => a.labels.holdfast_incident === String(incident));
  });

  // Alertmanager → holdfast (as Prometheus would post it)
  const alert = {
    labels: { alertname: 'HighLatency', severity: 'page', team: 'web', service: 'checkout' },
    annotations: { summary: 'checkout p99 above 1 s for 5 minutes', runbook_url: 'https://runbooks.example/latency' },
    startsAt: new Date().toISOString(),
  };
  assert.equal(
    (await fetch(`${am}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([alert]) }))
      .status,
    200,
  );
  const fromAm = await waitFor(
    'an incident from the Alertmanager webhook',
    async () => (await inc.list()).find((i) => i.kind === 'alert'),
    { timeoutMs: 20_000 },
  );
  assert.equal(fromAm.rule, 'prometheus:HighLatency');
  assert.equal(fromAm.severity, 'critical');
  assert.equal(fromAm.owner, 'web');
  assert.equal(fromAm.runbook, 'https://runbooks.example/latency');
  assert.equal(fromAm.summary, 'checkout p99 above 1 s for 5 minutes');
  const live = await inc.list();
  assert.equal(live.filter((i) => i.kind === 'alert').length, 1, 'holdfast’s own alert did not come back as a new incident');

  // Resolved in Prometheus: Alertmanager sends the resolution, holdfast resolves the incident.
  await fetch(`${am}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ ...alert, endsAt: new Date().toISOString() }]),
  });
  const resolved = await waitFor(
    'resolved by Alertmanager',
    async () => {
      const i = (await inc.show(fromAm.id)).incident;
      return i.state === 'resolved' ? i : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(resolved.resolution, 'source');
});
