// The incident engine over a real SQLite store with a manual clock: deduplication, the
// knowledge base's classification and explicit grouping, the quiet period, regressions, the
// commands and their refusals, and what survives a restart.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { IncidentEngine } from '../../src/incidents/engine.ts';
import { fingerprint, GROUPINGS, type GroupingRules } from '../../src/incidents/fingerprint.ts';
import { SqliteIncidentStore } from '../../src/incidents/sqlite-store.ts';
import type { Signal } from '../../src/incidents/signal.ts';
import type { KnowledgeBase } from '../../src/knowledge/entry.ts';
import { config, ManualClock } from './helpers.ts';

const kb: KnowledgeBase = {
  entries: [
    {
      id: 'inventory-down',
      match: { code: 'SHOP_E_CHAOS' },
      fingerprint: 'inventory-unavailable',
      category: 'upstream-failure',
      severity: 'error',
      owner: 'team-inventory',
      runbook: 'https://runbooks.example/inventory',
      action: 'notify',
    },
    {
      id: 'db-pool',
      match: { program: 'orders', regex: 'pool (exhausted|timeout)' },
      category: 'capacity',
      severity: 'critical',
      owner: 'team-orders',
      runbook: ['raise pool.max'],
      action: 'restart orders',
    },
  ],
};

function setup(t: Parameters<typeof tempDir>[0], o: { quietPeriod?: string; file?: string; acts?: string[] } = {}) {
  const dir = tempDir(t);
  const file = o.file ?? join(dir, 'incidents.sqlite');
  const clock = new ManualClock();
  const engine = new IncidentEngine({
    config: config({ quietPeriod: o.quietPeriod ?? '10m' }),
    openStore: () => new SqliteIncidentStore({ file }),
    storeLocation: file,
    knowledge: kb,
    clock,
    act: (inc, action) => o.acts?.push(`${inc.id}:${action}`),
  });
  t.after(() => engine.close());
  return { engine, clock, file };
}

const sig = (over: Partial<Signal> = {}): Signal => ({
  kind: 'log.error',
  at: 1_700_000_000_000,
  summary: 'request failed',
  program: 'web',
  ...over,
});

test('a flood of one error is one incident with every occurrence counted', (t) => {
  const { engine } = setup(t);
  const outcomes = new Map<string, number>();
  for (let i = 0; i < 1000; i++) {
    const r = engine.ingest(sig({ summary: `request ${i} failed`, error: { type: 'TypeError', code: 'E_X' } }));
    outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(outcomes), { opened: 1, counted: 999 });
  const [inc] = engine.list({ state: 'live' });
  assert.equal(inc!.count, 1000);
  assert.equal(inc!.summary, 'request 0 failed', 'the first signal describes it');
  assert.deepEqual(
    inc!.recent.map((r) => r.summary),
    ['request 995 failed', 'request 996 failed', 'request 997 failed', 'request 998 failed', 'request 999 failed'],
  );
  assert.equal(inc!.category, 'unclassified');
  assert.equal(inc!.rule, 'unclassified:log.error');
  engine.ingest(sig({ program: 'api', error: { type: 'TypeError', code: 'E_X' } }));
  assert.equal(engine.list({ state: 'live' }).length, 2, 'the same error in another program is another incident');
  assert.deepEqual(engine.stats(), {
    signals: 1001,
    opened: 2,
    reopened: 0,
    deduplicated: 999,
    duplicates: 0,
    notifications: { pending: 0, sent: 0, failed: 0, held: 2, retries: 0 },
    live: 2,
    open: 2,
    acknowledged: 0,
  });
});

test('the knowledge base classifies at once, and its fingerprint groups across programs', (t) => {
  const acts: string[] = [];
  const { engine } = setup(t, { acts });
  const a = engine.ingest(sig({ program: 'inventory', error: { code: 'SHOP_E_CHAOS' } }));
  const b = engine.ingest(sig({ program: 'gateway', summary: 'upstream 500', error: { code: 'SHOP_E_CHAOS' } }));
  assert.equal(a.incident, b.incident);
  assert.equal(b.outcome, 'counted');
  assert.equal(a.incident.category, 'upstream-failure');
  assert.equal(a.incident.owner, 'team-inventory');
  assert.equal(a.incident.rule, 'kb:inventory-down');
  assert.equal(a.incident.grouping.rule, 'explicit');
  const c = engine.ingest(sig({ program: 'orders', summary: 'db pool exhausted after 30s' }));
  assert.equal(c.incident.severity, 'critical');
  assert.deepEqual(acts, [`${c.incident.id}:restart orders`], 'the action runs once, when it opens');
  engine.ingest(sig({ program: 'orders', summary: 'db pool exhausted after 31s' }));
  assert.equal(acts.length, 1);
  const crash = engine.ingest({ kind: 'program.crash_loop', at: 1, summary: 'web restarted 3 times in 60 s', program: 'web' });
  assert.equal(crash.incident.rule, 'builtin:program.crash_loop');
  assert.equal(crash.incident.owner, 'platform');
});

test('quiet period: resolves by itself; the same fault later reopens it and counts as a regression', (t) => {
  const { engine, clock } = setup(t, { quietPeriod: '1m' });
  const { incident } = engine.ingest(sig());
  clock.advance(59_000);
  engine.ingest(sig());
  const second = clock.now();
  clock.advance(59_000);
  assert.equal(incident.state, 'open', 'the second signal restarted the quiet period');
  clock.advance(1_000);
  assert.equal(incident.state, 'resolved');
  assert.equal(incident.resolution, 'quiet');
  assert.equal(incident.resolvedAt, second + 60_000, 'a minute after the last signal');
  assert.equal(engine.list({ state: 'live' }).length, 0);
  clock.advance(10_000);
  const again = engine.ingest(sig());
  assert.equal(again.outcome, 'reopened');
  assert.equal(again.incident.id, incident.id);
  assert.equal(again.incident.reopened, 1);
  assert.deepEqual(
    engine.history(incident.id).map((h) => [h.what, h.detail ?? null, h.afterMs ?? null]),
    [
      ['opened', null, null],
      ['resolved', 'quiet', null],
      ['reopened', null, 10_000],
    ],
  );
});

test('commands: ack, resolve with a cause, invalid; refusals name the id and the state', (t) => {
  const { engine, clock } = setup(t);
  const { incident } = engine.ingest(sig());
  clock.advance(90_000);
  engine.ack(incident.id, 'ana');
  assert.equal(incident.state, 'acknowledged');
  assert.throws(() => engine.ack(incident.id), {
    code: 'HOLDFAST_E_INCIDENT_STATE',
    message: /incident 1 is acknowledged: it cannot be acknowledged/,
  });
  engine.resolve(incident.id, { cause: 'a bad deploy', by: 'ana' });
  assert.equal(incident.cause, 'a bad deploy');
  assert.throws(() => engine.resolve(incident.id), {
    code: 'HOLDFAST_E_INCIDENT_STATE',
    message: /is resolved: it cannot be resolved again/,
  });
  assert.throws(() => engine.ack(999), { code: 'HOLDFAST_E_UNKNOWN_INCIDENT', message: /999/ });
  engine.invalid(incident.id, 'threshold too tight');
  assert.equal(incident.resolution, 'invalid');
  assert.deepEqual(
    engine.history(incident.id).map((h) => [h.what, h.afterMs ?? null]),
    [
      ['opened', null],
      ['acknowledged', 90_000],
      ['resolved', null],
      ['invalid', null],
    ],
  );
});

test('a restart keeps live incidents and ids; a resolved one found in the store reopens', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'incidents.sqlite');
  const first = setup(t, { file });
  const live = first.engine.ingest(sig({ program: 'a' })).incident;
  const done = first.engine.ingest(sig({ program: 'b' })).incident;
  first.engine.resolve(done.id, { cause: 'fixed' });
  first.engine.close();

  const second = setup(t, { file });
  const list = second.engine.list({});
  assert.deepEqual(
    list.map((i) => [i.id, i.program, i.state]),
    [
      [2, 'b', 'resolved'],
      [1, 'a', 'open'],
    ],
  );
  assert.equal(second.engine.ingest(sig({ program: 'a' })).incident.count, 2);
  const back = second.engine.ingest(sig({ program: 'b' }));
  assert.equal(back.outcome, 'reopened');
  assert.equal(back.incident.id, done.id);
  assert.equal(second.engine.ingest(sig({ program: 'c' })).incident.id, 3, 'ids continue after the stored ones');
  assert.equal(live.id, 1);
});

test('a resolved signal ends the incident it belongs to, and is ignored when nothing is live', (t) => {
  const { engine } = setup(t);
  const alert = (status: 'firing' | 'resolved'): Signal => ({
    kind: 'alert',
    at: 1,
    summary: 'p99 over 1s',
    labels: { alertname: 'HighLatency', severity: 'page', team: 'web' },
    status,
  });
  const fired = engine.ingest(alert('firing'));
  assert.equal(fired.incident.rule, 'prometheus:HighLatency');
  assert.equal(fired.incident.severity, 'critical');
  assert.equal(fired.incident.owner, 'web');
  assert.equal(engine.ingest(alert('resolved')).outcome, 'resolved');
  assert.equal(fired.incident.resolution, 'source');
  assert.equal(engine.ingest(alert('resolved')).outcome, 'ignored');
});

test('a signal sent again under the same id counts once, also after a restart of the engine', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'incidents.sqlite');
  const first = setup(t, { file });
  const promoted = (id: string): Signal => ({
    kind: 'failover.promotion',
    at: 1,
    summary: "node-b leads cluster 'db'",
    labels: { cluster: 'db', resource: 'leader' },
    id,
  });
  assert.equal(first.engine.ingest(promoted('db/node-b/7')).outcome, 'opened');
  const again = first.engine.ingest(promoted('db/node-b/7'));
  assert.equal(again.outcome, 'duplicate', 'a retry after a lost answer');
  assert.equal(again.incident.count, 1);
  assert.equal(first.engine.ingest(promoted('db/node-a/8')).incident.count, 2, 'another id is another occurrence');
  assert.equal(first.engine.stats().duplicates, 1);
  assert.equal(first.engine.stats().signals, 2, 'a duplicate is not a signal counted');
  first.engine.close();

  // The ids of the latest occurrences are stored with the incident: a retry that arrives after the
  // daemon restarted is recognised too.
  const second = setup(t, { file });
  const retry = second.engine.ingest(promoted('db/node-a/8'));
  assert.equal(retry.outcome, 'duplicate');
  assert.equal(retry.incident.count, 2);
  assert.equal(second.engine.ingest(promoted('db/node-b/9')).incident.count, 3);
});

test("a built-in rule takes the signal's own severity, its default otherwise", (t) => {
  const { engine } = setup(t);
  const first = engine.ingest({ kind: 'failover.promotion', at: 1, summary: 'first leader', labels: { cluster: 'x' }, severity: 'info' });
  assert.equal(first.incident.rule, 'builtin:failover.promotion');
  assert.equal(first.incident.severity, 'info');
  const fence = engine.ingest({ kind: 'failover.fence', at: 1, summary: 'the fence fired', labels: { cluster: 'x' } });
  assert.equal(fence.incident.severity, 'critical');
});

test('a grouping version added beside the old: existing incidents keep their signals and version, new faults take the new one', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'incidents.sqlite');
  const breaker = (resource: string): Signal => ({
    kind: 'guard.breaker_open',
    at: 1,
    summary: `breaker on ${resource} opened`,
    program: 'orders',
    labels: { resource },
  });
  // Under v1 the breakers of two resources are two incidents; one of them is resolved.
  const v1 = setup(t, { file });
  const live = v1.engine.ingest(breaker('inventory')).incident;
  const done = v1.engine.ingest(breaker('payments')).incident;
  v1.engine.resolve(done.id);
  v1.engine.close();
  assert.equal(live.grouping.version, 1);
  assert.match(live.dedupKey, /^hf1:guard:orders:/);

  // v2 groups every breaker of a program as one incident (it ignores the labels).
  const v2Rules: GroupingRules = (s) => ({ rule: 'kind', components: [s.kind] });
  const engine = new IncidentEngine({
    config: config({ quietPeriod: '10m' }),
    openStore: () => new SqliteIncidentStore({ file }),
    storeLocation: file,
    clock: new ManualClock(),
    groupings: { current: 2, versions: new Map([...GROUPINGS.versions, [2, v2Rules]]) },
  });
  t.after(() => engine.close());
  // A resolved v1 incident comes back as a regression, grouped as it was (while no incident of the
  // new version claims its signals).
  const back = engine.ingest(breaker('payments'));
  assert.equal(back.outcome, 'reopened');
  assert.equal(back.incident.id, done.id);
  assert.equal(back.incident.grouping.version, 1);
  const fresh = engine.ingest(breaker('search'));
  assert.equal(fresh.outcome, 'opened', 'a new fault under the new version');
  assert.equal(fresh.incident.grouping.version, 2);
  assert.match(fresh.incident.dedupKey, /^hf2:guard:orders:/);
  assert.equal(engine.ingest(breaker('mail')).incident.id, fresh.incident.id, 'v2 groups what v1 split, for new faults');
  // The live v1 incidents keep their signals: v2 would have merged them into the new one.
  const old = engine.ingest(breaker('inventory'));
  assert.equal(old.incident.id, live.id);
  assert.equal(old.incident.count, 2);
  assert.equal(old.incident.grouping.version, 1);
  assert.equal(engine.ingest(breaker('payments')).incident.id, done.id);
  assert.throws(() => fingerprint(breaker('x'), undefined, 3), /no grouping version 3 \(known: 1\)/);
});
