// The log miner in the daemon, with real programs: templates at /v1/patterns and through
// `holdfast logs <program> --patterns`, template.new and template.burst on /v1/events and as
// incidents, metrics with bounded cardinality, a program that opts out, ids and counts that
// survive a daemon restart.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@holdfast/testkit';
import { IncidentsClient, type PatternsReport, type SupervisorEvent } from '../src/index.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

const cli = fileURLToPath(new URL('../../cli/bin/holdfast.js', import.meta.url));
const run = promisify(execFile);

const yaml = `programs:
  app:
    command: [${node}, ${join(fixtures, 'patterns.mjs')}]
    ready: {afterMs: 0}
  quiet:
    command: [${node}, -e, "setInterval(() => console.log('tick'), 50)"]
    ready: {afterMs: 0}
    mining: false
mining:
  metricsTemplates: 2
  saveEvery: 1s
  defaults:
    detector: {warmupMs: 0, bucketMs: 1000, windowBuckets: 5, burstMinCount: 50}
incidents: {}
`;

const find = (r: PatternsReport, text: RegExp) => r.templates.find((t) => text.test(t.template));

test(
  'programs under the daemon: templates, new and burst events (also as incidents), bounded metrics, the CLI, ids ' + 'across a restart',
  async (t) => {
    const { file, config } = await writeConfig(t, yaml);
    const first = await startDaemon(t, config);
    const c = first.client;
    const user = await waitFor('the user template', async () => {
      const r = await c.patterns('app');
      return find(r, /^user <\*> logged in from <\*>$/);
    });
    const json = await waitFor('the JSON line mined on its message, its level kept', async () =>
      find(await c.patterns('app'), /^request <\*> done in <\*> ms$/),
    );
    assert.equal(json.level, 'info');
    assert.match(json.example, /^request \d+ done in \d+ ms$/);

    // A burst of a new error template: template.new (level error) and template.burst, on the event stream.
    const events: SupervisorEvent[] = [];
    const ac = new AbortController();
    const following = c.events((e) => events.push(e), { signal: ac.signal }).catch(() => undefined);
    t.after(() => ac.abort());
    // The stream is connected once it carries an event: restarting the other program makes some.
    await waitFor('the event stream', async () => {
      if (!events.some((e) => e.type === 'state' && e.program === 'quiet')) await c.restart('quiet');
      return events.some((e) => e.type === 'state' && e.program === 'quiet');
    });
    await c.signal('app', 'SIGUSR1');
    const burst = await waitFor('template.new and template.burst for Connection refused', () => {
      const n = events.find((e) => e.type === 'template.new' && /Connection refused/.test(e.template));
      const b = events.find((e) => e.type === 'template.burst' && /Connection refused/.test(e.template));
      return n?.type === 'template.new' && b?.type === 'template.burst' ? { n, b } : undefined;
    });
    assert.equal(burst.n.level, 'error');
    assert.equal(burst.n.reason, 'level');
    assert.equal(burst.b.id, burst.n.id);
    assert.equal(burst.b.program, 'app');
    assert.ok(burst.b.windowCount >= 50);
    assert.equal(burst.n.template, 'ERROR Connection refused to <*>:<*> after <*> ms');
    const inc = new IncidentsClient({ socket: config.supervisor.socket });
    const incident = await waitFor('an incident for the burst', async () =>
      (await inc.list()).find((i) => i.program === 'app' && i.template?.id === burst.n.id),
    );
    assert.match(incident.summary, /Connection refused/);
    assert.ok(incident.kind === 'template.new' || incident.kind === 'template.burst', incident.kind);

    // Metrics: per-level lines, and at most 2 template series plus `other` per program.
    const metrics = await c.metrics();
    const series = metrics.split('\n').filter((l) => l.startsWith('holdfast_log_template_lines_total{program="app"'));
    assert.ok(series.length <= 3 && series.some((l) => l.includes('template="other"')), series.join('\n'));
    assert.match(metrics, /holdfast_log_lines_total\{program="app",level="error"\} [1-9]/);
    assert.match(metrics, /holdfast_log_templates\{program="app"\} [1-9]/);
    assert.doesNotMatch(metrics, /^holdfast_log_[a-z_]+\{program="quiet"/m, 'a program that opted out is not mined');
    await assert.rejects(c.patterns('quiet'), { code: 'HOLDFAST_E_MINING_OFF' });
    await assert.rejects(c.patterns('nope'), { code: 'HOLDFAST_E_UNKNOWN_PROGRAM' });
    await assert.rejects(c.patterns('app', { since: 'soon' }), { message: /since: 'soon' is not a duration/ });

    // The command line.
    const text = (await run(node, [cli, 'logs', 'app', '--patterns', '-c', file])).stdout;
    assert.match(text, /user <\*> logged in from <\*>/);
    assert.match(text, /e\.g\. user \d+ logged in/);
    assert.match(text, /ID +COUNT +LEVEL +TREND +FIRST SEEN +LAST SEEN/);
    const viaCli = JSON.parse(
      (await run(node, [cli, 'logs', 'app', '--patterns', '--since', '1h', '--json', '-c', file])).stdout,
    ) as PatternsReport;
    assert.ok(find(viaCli, /Connection refused/));
    await assert.rejects(run(node, [cli, 'logs', 'app', '--patterns', '-f', '-c', file]), (e: { stderr: string }) =>
      /does not take --follow/.test(e.stderr),
    );

    // A restart: the same ids, the counts carried over, before and after new lines arrive.
    const before = await c.patterns('app');
    ac.abort();
    await following;
    await c.shutdown();
    await first.child.exited;
    const second = await startDaemon(t, config);
    const after = await second.client.patterns('app');
    const again = find(after, /^user <\*> logged in from <\*>$/);
    assert.equal(again?.id, user.id, 'the user template keeps its id');
    assert.ok(again!.count >= find(before, /^user/)!.count, 'and its count');
    assert.equal(find(after, /Connection refused/)?.id, burst.n.id);
    const grown = await waitFor('new lines counted into the restored template', async () => {
      const t2 = find(await second.client.patterns('app'), /^user <\*> logged in from <\*>$/);
      return t2 && t2.count > again!.count ? t2 : undefined;
    });
    assert.equal(grown.id, user.id);
  },
);

test('a bad saved state is moved aside with a message; the program is mined from scratch', async (t) => {
  const { config } = await writeConfig(t, yaml.replace('incidents: {}\n', ''));
  const { mkdirSync, writeFileSync, readdirSync } = await import('node:fs');
  const dir = join(config.supervisor.stateDir, 'mining');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.json'), '{"format":"holdfast-mining-program","version":1,"state":{"miner":{"templates":"nope"}}}');
  const { client } = await startDaemon(t, config);
  await waitFor('templates mined afresh', async () => (await client.patterns('app')).templates.length > 0);
  assert.ok(
    readdirSync(dir).some((f) => f.startsWith('app.json.invalid-')),
    readdirSync(dir).join(', '),
  );
});
