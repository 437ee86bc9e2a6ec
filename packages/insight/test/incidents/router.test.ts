// Routing, grouping and silences with a manual clock: when each notification goes out, what it
// carries, and the record of every one held back. The HTTP call is captured here (delivery over
// real sockets is deliver.test.ts); these tests are about timing and routing logic.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { IncidentEngine } from '../../src/incidents/engine.ts';
import { SqliteIncidentStore } from '../../src/incidents/sqlite-store.ts';
import type { Signal } from '../../src/incidents/signal.ts';
import { config, ManualClock } from './helpers.ts';

interface Sent {
  at: number;
  url: string;
  body: any;
}

async function setup(t: Parameters<typeof tempDir>[0], incidents: Record<string, unknown>) {
  const dir = tempDir(t);
  const file = join(dir, 'incidents.sqlite');
  const clock = new ManualClock();
  const sent: Sent[] = [];
  const engine = new IncidentEngine({
    config: config(incidents),
    openStore: () => new SqliteIncidentStore({ file }),
    storeLocation: file,
    clock,
    send: (url, body) => {
      sent.push({ at: clock.now(), url, body: JSON.parse(body) });
      return Promise.resolve({ status: 200, body: '' });
    },
  });
  t.after(() => engine.close());
  const settle = async () => {
    await engine.deliveriesIdle();
    await new Promise((r) => setImmediate(r));
  };
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { engine, clock, sent, settle, advance };
}

const sig = (program: string, over: Partial<Signal> = {}): Signal => ({
  kind: 'program.crash_loop',
  at: 1,
  summary: `${program} restarted 3 times`,
  program,
  ...over,
});
const hook = (name = 'ops') => ({ name, type: 'webhook', url: `http://127.0.0.1:9/${name}` });

test('group_wait batches the first changes of a group; group_interval paces the next; each wait is recorded', async (t) => {
  const { engine, sent, settle, advance } = await setup(t, {
    receivers: [hook()],
    routes: [{ receiver: 'ops', groupBy: ['category'], groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' }],
  });
  engine.ingest(sig('a'));
  engine.ingest(sig('b'));
  await settle();
  assert.equal(sent.length, 0, 'held for group_wait');
  await advance(30_000);
  assert.equal(sent.length, 1);
  assert.deepEqual(
    sent[0]!.body.incidents.map((i: { program: string; action: string }) => `${i.program}:${i.action}`),
    ['a:trigger', 'b:trigger'],
  );
  engine.ingest(sig('c'));
  await advance(60_000);
  assert.equal(sent.length, 1, 'c waits for group_interval after the last notification');
  await advance(240_000);
  assert.equal(sent.length, 2);
  assert.deepEqual(
    sent[1]!.body.incidents.map((i: { program: string }) => i.program),
    ['c'],
  );
  const held = engine.notifications({ status: 'held' });
  assert.deepEqual(held.map((n) => [n.reason, n.items[0]!.incidentId, n.releasedIn !== undefined]).sort(), [
    ['group_interval', 3, true],
    ['group_wait', 1, true],
    ['group_wait', 2, true],
  ]);
  assert.equal(engine.notifications({ status: 'sent' }).length, 2);
});

test('group_wait 0 sends at once; repeat_interval repeats incidents still open, not acknowledged ones', async (t) => {
  const { engine, sent, settle, advance } = await setup(t, {
    quietPeriod: '1d',
    receivers: [hook()],
    routes: [{ receiver: 'ops', groupBy: ['...'], groupWait: 0, groupInterval: 0, repeatInterval: '1h' }],
  });
  const a = engine.ingest(sig('a')).incident;
  const b = engine.ingest(sig('b')).incident;
  await settle();
  assert.equal(sent.length, 2, "'...' puts each incident in a group of its own");
  engine.ack(b.id);
  await settle();
  assert.equal(sent.length, 3);
  assert.equal(sent[2]!.body.incidents[0].action, 'acknowledge');
  await advance(3_600_000);
  const repeats = sent.slice(3);
  assert.deepEqual(
    repeats.map((s) => [s.body.repeat, s.body.incidents[0].id]),
    [[true, a.id]],
  );
});

test('routes: first match wins, continue goes on; severity/owner/labels select; unrouted changes are recorded', async (t) => {
  const { engine, sent, settle } = await setup(t, {
    receivers: [hook('pager'), hook('chat'), hook('audit')],
    routes: [
      { receiver: 'audit', continue: true, groupWait: 0, groupBy: ['...'] },
      { receiver: 'pager', match: { severity: ['critical'] }, groupWait: 0, groupBy: ['...'] },
      { receiver: 'chat', match: { owner: 'platform', labels: { env: 'prod' } }, groupWait: 0, groupBy: ['...'] },
    ],
  });
  engine.ingest({ kind: 'program.fatal', at: 1, summary: 'web is FATAL', program: 'web' });
  engine.ingest(sig('api', { labels: { env: 'prod' } }));
  engine.ingest(sig('batch', { labels: { env: 'dev' } }));
  await settle();
  const to = (name: string) => sent.filter((s) => s.url.endsWith(`/${name}`)).map((s) => s.body.incidents[0].program);
  assert.deepEqual(to('audit'), ['web', 'api', 'batch']);
  assert.deepEqual(to('pager'), ['web']);
  assert.deepEqual(to('chat'), ['api']);

  const { engine: bare } = await setup(t, { receivers: [hook('pager')], routes: [{ receiver: 'pager', match: { severity: 'critical' } }] });
  bare.ingest(sig('x'));
  const [held] = bare.notifications({ status: 'held' });
  assert.equal(held!.reason, 'no_route');
});

test('a silence holds changes back until its end; incidents still firing then are sent', async (t) => {
  const { engine, sent, settle, advance, clock } = await setup(t, {
    quietPeriod: '1d',
    receivers: [hook()],
    routes: [{ receiver: 'ops', groupWait: 0, groupBy: ['...'] }],
  });
  const s = engine.addSilence({ matchers: { program: 'a' }, startsAt: clock.now(), endsAt: clock.now() + 600_000, comment: 'deploy' });
  const a = engine.ingest(sig('a')).incident;
  engine.ingest(sig('b'));
  const c = engine.ingest(sig('a', { kind: 'program.oom', summary: 'a OOM' })).incident;
  engine.resolve(c.id);
  await settle();
  assert.deepEqual(
    sent.map((x) => x.body.incidents[0].program),
    ['b'],
  );
  const held = engine.notifications({ status: 'held' });
  assert.equal(held.length, 3);
  assert.ok(held.every((n) => n.reason === 'silenced' && n.silenceId === s.id));
  await advance(600_000);
  assert.deepEqual(
    sent.slice(1).map((x) => [x.body.incidents[0].id, x.body.incidents[0].action]),
    [[a.id, 'trigger']],
    'only what still fires when the silence ends',
  );
});

test('payloads: webhook JSON, Alertmanager v2 alerts, PagerDuty Events v2, Slack text', async (t) => {
  const { engine, sent, settle } = await setup(t, {
    receivers: [
      hook('hook'),
      { name: 'am', type: 'alertmanager', url: 'http://127.0.0.1:9/am/' },
      { name: 'pd', type: 'pagerduty', url: 'http://127.0.0.1:9/pd', routingKey: 'R0UT1NGK3Y' },
      { name: 'slack', type: 'slack', url: 'http://127.0.0.1:9/slack' },
    ],
    routes: ['hook', 'am', 'pd', 'slack'].map((receiver) => ({
      receiver,
      continue: true,
      groupWait: 0,
      groupInterval: 0,
      groupBy: ['...'],
    })),
  });
  const inc = engine.ingest({ kind: 'program.fatal', at: 1_700_000_000_000, summary: 'web is FATAL', program: 'web' }).incident;
  engine.resolve(inc.id);
  await settle();
  const by = (suffix: string) => sent.filter((s) => s.url.endsWith(suffix)).map((s) => s.body);
  const [hookTrigger, hookResolve] = by('/hook');
  assert.equal(hookTrigger.version, 'holdfast.incidents/v1');
  assert.equal(hookTrigger.status, 'firing');
  assert.equal(hookResolve.status, 'resolved');
  assert.deepEqual(
    Object.keys(hookTrigger.incidents[0]).sort(),
    [
      'action',
      'category',
      'count',
      'dedup_key',
      'first_seen',
      'id',
      'kind',
      'labels',
      'last_seen',
      'owner',
      'program',
      'rule',
      'runbook',
      'severity',
      'state',
      'summary',
    ].sort(),
  );
  const [amFire, amResolve] = by('/api/v2/alerts');
  assert.equal(amFire[0].labels.alertname, 'holdfast_fatal');
  assert.equal(amFire[0].labels.dedup_key, inc.dedupKey);
  assert.ok(Date.parse(amFire[0].endsAt) > Date.parse(amFire[0].startsAt), 'firing: ends in the future, re-sent before then');
  assert.equal(amResolve[0].endsAt, new Date(inc.resolvedAt!).toISOString());
  const pd = by('/pd');
  assert.deepEqual(
    pd.map((e) => [e.event_action, e.dedup_key, e.routing_key]),
    [
      ['trigger', inc.dedupKey, 'R0UT1NGK3Y'],
      ['resolve', inc.dedupKey, 'R0UT1NGK3Y'],
    ],
  );
  assert.deepEqual(Object.keys(pd[0].payload).sort(), [
    'class',
    'component',
    'custom_details',
    'group',
    'severity',
    'source',
    'summary',
    'timestamp',
  ]);
  assert.equal(pd[0].payload.severity, 'critical');
  assert.match(by('/slack')[0].text, /:rotating_light: \*trigger\* #1 \[critical\] web: web is FATAL/);
  // PagerDuty refuses a dedup_key over 255 characters: a long program name is cut, its hash kept,
  const long = engine.ingest({
    kind: 'program.fatal',
    at: 1_700_000_000_000,
    summary: 'F'.repeat(3000),
    program: 'p'.repeat(600),
  }).incident;
  await settle();
  const pdLong = by('/pd').at(-1);
  assert.equal(pdLong.dedup_key, long.dedupKey);
  assert.ok(pdLong.dedup_key.length <= 255 && pdLong.dedup_key.length > 200, String(pdLong.dedup_key.length));
  assert.equal(pdLong.payload.summary.length, 1024, 'and its summary to the 1,024 characters PagerDuty takes');
});
