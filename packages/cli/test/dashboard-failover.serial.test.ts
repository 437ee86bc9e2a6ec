// The dashboard's failover section in Debian's Chromium, over two real failover agents on the
// local coordinator: the leader and its fencing token as the agents report them, the lease
// counting down once the watched node leads, the members it knows, the last drills recorded by `holdfast drill failover --record`;
// when the leader stops, the page shows the other node leading with a higher token. A record
// path in a folder that does not exist is refused before any drill runs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { DrillResult } from '@holdfast/failover';
import { freePort, startBrowser, startChild, tempDir, type Child } from '@holdfast/testkit';
import { recordDrill } from '../src/drill-record.ts';
import { holdfast, startDaemon, writeConfig } from './support/daemon.ts';

declare const document: any;

const run = promisify(execFile);
const cli = new URL('../bin/holdfast.ts', import.meta.url).pathname;

interface Agent {
  child: Child;
  socket: string;
  waitFor(event: string): Promise<Record<string, unknown>>;
}

function startAgent(t: Parameters<typeof tempDir>[0], dir: string, node: string, priority: number): Agent {
  const socket = join(dir, `${node}.sock`);
  const file = join(dir, `${node}.json`);
  // The default 5 s lease: a loaded machine's stalls must not move leadership during the test.
  const app = { kind: 'exec', name: 'app', start: 'true', stop: 'true', monitor: 'true', interval: '1s', timeout: '2s' };
  writeFileSync(
    file,
    JSON.stringify({
      name: 'c',
      node,
      priority,
      status: { socket },
      fences: [],
      coordinator: { kind: 'local', dir, profile: 'default' },
      resources: [app],
    }),
  );
  const child = startChild(t, process.execPath, [cli, 'failover', '-c', file]);
  const waitFor = async (event: string) =>
    JSON.parse(
      await child.waitForLine(
        {
          test: (l: string) => {
            try {
              return (JSON.parse(l) as { event?: string }).event === event;
            } catch {
              return false;
            }
          },
        } as unknown as RegExp,
        30_000,
      ),
    ) as Record<string, unknown>;
  return { child, socket, waitFor };
}

const drill = (over: Partial<DrillResult>): DrillResult => ({
  agent: 'holdfast',
  fault: 'kill',
  profile: 'default',
  ttl_s: 5,
  recovery_s: 1.23,
  failed_polls: 24,
  overlaps: 0,
  leadership_overlaps: 0,
  overlap_ms: 0,
  tokens: [4, 5],
  tokens_increase: true,
  old_leader: 'n1',
  new_leader: 'n2',
  heal_ok: false,
  polls: 300,
  samples: 300,
  ...over,
});

test('the failover section: leader, token, lease, members and drills, live through a handover', { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t, 'hf-dash-failover-');
  const a = startAgent(t, dir, 'a', 200);
  const first = await a.waitFor('promoted');
  const b = startAgent(t, dir, 'b', 100);
  await b.waitFor('agent-started');

  const drills = join(dir, 'drills.jsonl');
  recordDrill(drills, drill({ fault: 'partition', recovery_s: 2.5 }), true, new Date(Date.now() - 3_600_000));
  recordDrill(drills, drill({ fault: 'revoke', overlaps: 2 }), false);
  assert.equal(readFileSync(drills, 'utf8').trim().split('\n').length, 2);

  // The dashboard watches b, the follower, so the page still reads it after a hands over.
  const port = await freePort();
  const { config } = await writeConfig(
    t,
    `programs:\n  idle: {command: sleep 1000, ready: {afterMs: 0}}\ndashboard:\n` +
      `  port: ${port}\n  failover: ` +
      `{status: ${b.socket}, drills: ${drills}}\n`,
  );
  const { client } = await startDaemon(t, config);
  const browser = await startBrowser(t);
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 720 });
  await page.goto((await client.dashboardLogin()).url);
  await page.waitForSelector('body[data-live]', { timeout: 15_000 });

  const kv = () =>
    page.$$eval(
      '#failover-body dl.kv > div',
      (ds: any[]) =>
        Object.fromEntries(ds.map((d) => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])) as Record<string, string>,
    );
  await page
    .waitForFunction(() => document.querySelectorAll('#failover-body h3:first-of-type + div tbody tr').length >= 1, { timeout: 15_000 })
    .catch(async (err: Error) => {
      throw new Error(`${err.message}; the section says: ${await page.$eval('#failover-body', (el: any) => el.textContent)}`);
    });
  let shown = await kv();
  assert.equal(shown.Leader, 'a');
  assert.equal(shown['Fencing token'], String(first.token));
  // b follows: the lease is the leader's to count down.
  assert.equal(shown['Lease remaining'], 'held by the leader of 5s');
  assert.match(shown['This node'] ?? '', /^b.*follower/);
  const members = await page.$$eval('#failover-body h3:first-of-type + div tbody tr', (rs: any[]) => rs.map((r) => r.textContent));
  assert.ok(
    members.some((m: string) => /^b \(this agent\)follower.*reachable.*healthy/.test(m)),
    `members: ${members.join(' | ')}`,
  );
  const drillRows = await page.$$eval('#failover-body h3:last-of-type + div tbody tr', (rs: any[]) => rs.map((r) => r.textContent));
  assert.equal(drillRows.length, 2, `drills: ${drillRows.join(' | ')}`);
  assert.match(drillRows[0]!, /revoke.*split brain/, 'newest first; a drill with overlaps says so');
  assert.match(drillRows[1]!, /partition.*2\.5 s.*passed/);

  // The leader stops: b takes over at once; the page shows it with the higher token.
  a.child.proc.kill('SIGTERM');
  const second = await b.waitFor('promoted');
  await page.waitForFunction(
    (token: string) =>
      [...document.querySelectorAll('#failover-body dl.kv > div')].some(
        (d: any) => d.querySelector('dt').textContent === 'Fencing token' && d.querySelector('dd').textContent === token,
      ),
    { timeout: 15_000 },
    String(second.token),
  );
  shown = await kv();
  assert.equal(shown.Leader, 'b');
  assert.ok(Number(second.token) > Number(first.token));
  assert.match(shown['This node'] ?? '', /^b.*leader/);
  const lease = Number(/([\d.]+) s/.exec(shown['Lease remaining'] ?? '')?.[1]);
  assert.ok(lease > 0 && lease <= 5, `lease remaining: ${shown['Lease remaining']}`);
});

test('drill failover --record: a folder that does not exist is refused before any drill runs', async (t) => {
  const dir = tempDir(t);
  const r = await holdfast(['drill', 'failover', '--record', join(dir, 'no', 'such', 'drills.jsonl')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--record .*: the folder .*no\/such does not exist/);
  // An existing folder is accepted (the drill itself then needs root and netns: not run here).
  await run(process.execPath, [cli, 'drill', 'failover', '--help']);
});
