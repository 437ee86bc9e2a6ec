// The alerts: section evaluated by the real daemon over real scrapes: a supervised
// @holdfast/service app under load whose error rate jumps to 50 % opens an incident (the rule's
// owner, severity and runbook on it), and recovering resolves it. No Prometheus anywhere.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { signalFromPattern } from '@holdfast/insight/incidents';
import { freePort, waitFor } from '@holdfast/testkit';
import { ExplainClient, IncidentsClient } from '../src/index.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

function load(url: string, workers: number) {
  let stop = false;
  const statuses = new Map<number, number>();
  const loops = Array.from({ length: workers }, async () => {
    while (!stop) {
      try {
        const r = await fetch(`${url}/work`, { signal: AbortSignal.timeout(5000) });
        await r.arrayBuffer();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      } catch {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  return { statuses, end: () => ((stop = true), Promise.all(loops)) };
}

test(
  'a supervised service whose errors jump to 50 % opens an incident from the daemon’s own alert rule, explain ' +
    'cites its log burst, and recovery resolves it',
  async (t) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { config } = await writeConfig(
      t,
      `programs:
  flaky:
    command: [${node}, ${join(fixtures, 'flaky-app.ts')}]
    listen: [{port: ${port}, host: 127.0.0.1}]
    ready: {notify: true, timeoutMs: 30s}
    stopTimeoutMs: 10s
scrape: {interval: 1s, retention: 2m}
incidents: {quietPeriod: 1h}
alerts:
  scrapeInterval: 1s
  evaluationInterval: 1s
  owner: team-flaky
  runbook: https://runbooks.example/flaky-errors
  baselines:
    - name: flaky_errors
      service: flaky
      signal: errors
      strategy: static
      static: {above: 0.2}
      rateWindow: 5s
      for: 3s
      severity: critical
`,
    );
    assert.ok(config.alerting);
    const { client } = await startDaemon(t, config);
    await waitFor('flaky READY', async () => (await client.status()).programs.some((p) => p.state === 'READY'), { timeoutMs: 60_000 });
    const incidents = new IncidentsClient({ socket: config.supervisor.socket });
    const traffic = load(url, 4);
    t.after(() => traffic.end());
    const alertIncident = async (state: 'live' | 'all' = 'all') =>
      (await incidents.list({ state })).find((i) => i.labels?.alertname === 'FlakyErrorsAnomaly');

    // Healthy under load: the rules are evaluated and nothing fires.
    await waitFor(
      'the rules evaluated over scraped traffic',
      async () => {
        const m = await client.metrics();
        return /holdfast_alerts_evaluations_total ([5-9]|\d\d+)/.test(m) && /holdfast_alerts_series [1-9]/.test(m);
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(await alertIncident(), undefined, `no incident while healthy; saw ${JSON.stringify([...traffic.statuses])}`);

    const fault = async (errorShare: number) => {
      const r = await fetch(`${url}/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ errorShare }),
      });
      assert.equal(r.status, 200, await r.text());
    };
    await fault(0.5);
    const t0 = Date.now();
    const open = await waitFor('an incident from FlakyErrorsAnomaly', () => alertIncident('live'), { timeoutMs: 30_000, intervalMs: 200 });
    t.diagnostic(
      `incident ${open.id} ` +
        `opened ${((Date.now() - t0) / 1000).toFixed(1)} s after the error rate jumped (5 s rate ` +
        `window, for: 3s, 1 s scrapes and evaluations)`,
    );
    assert.equal(open.severity, 'critical');
    assert.equal(open.owner, 'team-flaky');
    assert.equal(open.runbook, 'https://runbooks.example/flaky-errors');
    assert.equal(open.program, 'flaky');
    assert.equal(open.rule, 'prometheus:FlakyErrorsAnomaly');
    assert.match(open.summary, /flaky_errors: the share of 5xx responses of service=flaky is above its static band/);
    assert.ok(traffic.statuses.get(500)! > 10);

    // The log miner's burst of a template in flaky (as DaemonIncidents.pattern ingests it) is cited in the explanation.
    const burst = signalFromPattern(
      {
        type: 'template.burst',
        at: Date.now(),
        id: 't-pool',
        template: 'cannot get a connection: the pool of <n> connections is exhausted',
        level: 50,
        windowCount: 240,
        baselineCount: 3,
        windowMs: 10_000,
      },
      'flaky',
      'flaky',
    );
    await incidents.signals([burst]);
    const explained = await waitFor(
      'flaky named with its burst',
      async () => {
        const e = await new ExplainClient({ socket: config.supervisor.socket }).explain('1m');
        const c = e.ranking.candidates[0];
        return c?.program === 'flaky' && c.role === 'cause' && /exhausted" ×240 \(burst\)/.test(c.why) ? e : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    assert.match(explained.text, /flaky: burst ×240 {2}cannot get a connection/);

    await fault(0);
    const t1 = Date.now();
    const resolved = await waitFor(
      'the incident resolved once the alert stopped firing',
      async () => {
        const { incident } = await incidents.show(open.id);
        return incident.state === 'resolved' ? incident : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch(async (err: Error) => {
      const m = (await client.metrics())
        .split('\n')
        .filter((l) => l.startsWith('holdfast_alerts'))
        .join('\n');
      throw new Error(`${err.message}\n${m}\n${JSON.stringify(await incidents.list(), null, 1)}\n${JSON.stringify([...traffic.statuses])}`);
    });
    t.diagnostic(`resolved ${((Date.now() - t1) / 1000).toFixed(1)} s after the errors stopped`);
    assert.equal(resolved.state, 'resolved');
    assert.equal(resolved.resolution, 'source', 'resolved because the alert stopped firing, not by the quiet period');

    const metrics = await client.metrics();
    assert.match(metrics, /holdfast_alerts_firing 0/);
    const status = (await new ExplainClient({ socket: config.supervisor.socket }).scrapeStatus()).alerts!;
    assert.deepEqual(status.missingMetrics, [], 'the metric the baseline reads is in the service’s registry');
    assert.equal(status.lastError, null);
    assert.ok(status.scrapedSeries >= 2 && status.bytes <= status.boundBytes, JSON.stringify(status));
    assert.match(metrics, /holdfast_alerts_evaluation_failing 0/);
  },
);
