// The dashboard's alerts section in Debian's Chromium over the daemon's own alert evaluation
// (the alerts: section, no Prometheus): a supervised service's error rate jumps to 50 %, the
// page shows the rule firing within seconds; the errors stop, the page shows nothing firing.
// The ledger beside it counts the incident the rule opened.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startBrowser } from '@holdfast/testkit';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

declare const document: any;

test(
  'the alerts section: a rule the daemon evaluates shows firing, then not, and the ledger counts it',
  { timeout: 180_000 },
  async (t) => {
    const [port, dash] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${port}`;
    const { config } = await writeConfig(
      t,
      `programs:
  flaky:
    command: [${node}, ${join(fixtures, 'flaky-app.ts')}]
    listen: [{port: ${port}, host: 127.0.0.1}]
    ready: {notify: true, timeoutMs: 30s}
scrape: {interval: 1s, retention: 2m}
incidents: {quietPeriod: 1h}
alerts:
  scrapeInterval: 1s
  evaluationInterval: 1s
  owner: team-flaky
  runbook: https://runbooks.example/flaky-errors
  baselines:
    - {name: flaky_errors, service: flaky, signal: errors, strategy: static, static: {above: 0.2}, rateWindow: 5s, ` +
        `for: 2s, severity: critical}
dashboard: {port: ${dash}}
`,
    );
    const { client } = await startDaemon(t, config);
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        await fetch(`${url}/work`, { signal: AbortSignal.timeout(5000) })
          .then((r) => r.arrayBuffer())
          .catch(() => {});
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    t.after(async () => {
      stop = true;
      await traffic;
    });
    const fault = async (errorShare: number) => {
      const r = await fetch(`${url}/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ errorShare }),
      });
      assert.equal(r.status, 200);
    };

    const browser = await startBrowser(t);
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 720 });
    await page.goto((await client.dashboardLogin()).url);
    await page.waitForSelector('body[data-live]', { timeout: 15_000 });
    // Healthy: the rule is evaluated, nothing fires.
    await page.waitForFunction(
      () => /1 alert rule evaluated in the daemon · last/.test(document.querySelector('#alerts-body .evaluated')?.textContent ?? ''),
      { timeout: 30_000 },
    );
    assert.match(await page.$eval('#alerts-body .evaluated-rules', (el: any) => el.textContent), /Nothing firing/);

    await fault(0.5);
    const firing = 'li[data-alert="FlakyErrorsAnomaly"]';
    await page.waitForSelector(`#alerts-body ${firing}`, { timeout: 30_000 });
    assert.match(
      await page.$eval(`#alerts-body ${firing}`, (el: any) => el.textContent),
      /firing FlakyErrorsAnomaly .*service=flaky.* · for \d/,
    );

    await fault(0);
    await page.waitForFunction(
      (sel: string) =>
        !document.querySelector(`#alerts-body ${sel}`) &&
        /Nothing firing/.test(document.querySelector('#alerts-body .evaluated-rules')?.textContent ?? ''),
      { timeout: 30_000 },
      firing,
    );
    // The ledger: the rule's incident counted (the ledger is read every 30 s, or after a page action).
    await page.reload();
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#alerts-body tr[data-rule]')].some(
          (tr: any) =>
            tr.dataset.rule === 'prometheus:FlakyErrorsAnomaly' && Number(tr.querySelector('td[data-label="Fired"]').textContent) >= 1,
        ),
      { timeout: 30_000 },
    );
  },
);
