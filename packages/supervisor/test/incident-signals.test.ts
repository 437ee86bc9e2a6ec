// What the daemon turns into signals, without a daemon: instance changes (crash loop, FATAL,
// liveness), error lines of program output (JSON and logfmt), Alertmanager webhook bodies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinFor, type Signal } from '@holdfast/insight';
import { parseAlertmanagerWebhook } from '../src/insight/alertmanager-webhook.ts';
import { LogSignalTap, maskMessage } from '../src/insight/log-signals.ts';
import { ProgramSignals, type InstanceView } from '../src/insight/program-signals.ts';
import type { ExitInfo } from '../src/state/states.ts';

const view = (state: string, restarts: number, lastExit?: ExitInfo, fatalReason?: string): InstanceView => ({
  spec: { id: 'web:0', key: 'web:0', program: 'web' },
  state: { state: state as 'READY', restarts, ...(lastExit ? { lastExit } : {}), ...(fatalReason ? { fatalReason } : {}) },
});
const exit = (at: number, reason: ExitInfo['reason'] = 'exited', detail?: string): ExitInfo => ({
  code: 1,
  signal: null,
  reason,
  at,
  ...(detail ? { detail } : {}),
});

test('a crash loop is 3 automatic restarts within the window; manual restarts and slow crashes are not', () => {
  const p = new ProgramSignals({ restarts: 3, windowMs: 60_000 });
  const kinds = (s: Signal[]) => s.map((x) => x.kind);
  assert.deepEqual(kinds(p.change(view('READY', 0), 0)), []);
  assert.deepEqual(kinds(p.change(view('STARTING', 1, exit(1000)), 1000)), []);
  assert.deepEqual(kinds(p.change(view('STARTING', 2, exit(2000)), 2000)), []);
  const third = p.change(view('BACKOFF', 3, exit(3000)), 3000);
  assert.deepEqual(kinds(third), ['program.crash_loop']);
  assert.match(third[0]!.summary, /web:0 restarted 3 times within 60 s \(last: exit code 1\)/);
  assert.deepEqual(kinds(p.change(view('STARTING', 4, { ...exit(4000), reason: 'stopped' }), 4000)), [], 'a manual restart');
  const q = new ProgramSignals({ restarts: 3, windowMs: 60_000 });
  for (const [i, t] of [0, 50_000, 100_000, 150_000].entries())
    assert.deepEqual(kinds(q.change(view('STARTING', i + 1, exit(t)), t)), [], 'one crash a minute is not a loop');
});

test('FATAL once when it enters FATAL; a liveness failure once per exit', () => {
  const p = new ProgramSignals({ restarts: 3, windowMs: 60_000 });
  const f = p.change(view('FATAL', 5, exit(10), 'did not become ready in 6 attempts in a row'), 10);
  assert.deepEqual(
    f.map((s) => s.kind),
    ['program.fatal'],
  );
  assert.match(f[0]!.summary, /web:0 is FATAL: did not become ready in 6 attempts/);
  assert.deepEqual(p.change(view('FATAL', 5, exit(10), 'x'), 20), []);
  const l = new ProgramSignals({ restarts: 99, windowMs: 60_000 });
  l.change(view('READY', 0), 0);
  const live = l.change(view('STARTING', 1, exit(100, 'liveness', 'GET /health timed out after 1000 ms')), 100);
  assert.deepEqual(
    live.map((s) => s.kind),
    ['program.liveness'],
  );
  assert.deepEqual(l.change(view('READY', 1, exit(100, 'liveness')), 200), [], 'the same exit is not a second failure');
});

test('error lines: JSON at error/fatal and logfmt level=error become log.error signals; info lines cost nothing', () => {
  const got: Signal[] = [];
  const tap = new LogSignalTap('api', 'api:0', (s) => got.push(s), manualClock(42));
  const lines = [
    JSON.stringify({ level: 30, time: 1, msg: 'request', statusCode: 200 }),
    JSON.stringify({
      level: 50,
      time: 1_700_000_000_000,
      msg: 'request',
      method: 'GET',
      route: '/items/:id',
      url: '/items/7',
      statusCode: 500,
    }),
    JSON.stringify({
      level: 50,
      time: 1_700_000_000_001,
      msg: 'request',
      method: 'GET',
      route: '/items/:id',
      url: '/items/8',
      statusCode: 500,
    }),
    JSON.stringify({
      level: 'fatal',
      message: 'db pool exhausted after 3012 ms',
      err: {
        type: 'PoolError',
        message: 'pool exhausted',
        code: 'E_POOL',
        stack: 'PoolError: pool exhausted\n    at acquire (/srv/api/src/db.ts:10:3)',
      },
    }),
    'ts=2026-12-07 level=error msg="upstream 10.0.0.7 refused after 3 tries"',
    'plain text ERROR lines are the miner’s',
    '{not json but "level":50',
  ];
  // Split across chunks at awkward places.
  const text = `${lines.join('\n')}\n`;
  for (let i = 0; i < text.length; i += 37) tap.write(Buffer.from(text.slice(i, i + 37)));
  assert.equal(got.length, 4);
  const [a, b, c, d] = got;
  assert.equal(a!.template!.id, b!.template!.id, 'the same route and status: one template');
  assert.equal(a!.template!.text, 'request [GET /items/:id → 500]');
  assert.deepEqual(a!.labels, { route: '/items/:id', status: '500', method: 'GET' });
  assert.equal(a!.at, 1_700_000_000_000);
  assert.equal(c!.severity, 'critical');
  assert.deepEqual(c!.error, {
    type: 'PoolError',
    code: 'E_POOL',
    message: 'pool exhausted',
    stack: 'PoolError: pool exhausted\n    at acquire (/srv/api/src/db.ts:10:3)',
  });
  assert.equal(d!.template!.text, 'upstream <ip> refused after <n> tries');
  assert.equal(d!.at, 42);
  assert.equal(
    maskMessage('job 3f2a9c1b77 for "alice" took 12.5 ms (id 123e4567-e89b-12d3-a456-426614174000)'),
    'job <hex> for <str> took <n> ms (id <uuid>)',
  );
});

/** A clock whose timers run when the test moves time on. */
function manualClock(start = 0) {
  let now = start;
  const timers = new Set<{ at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number) {
      const t = { at: now + ms, fn };
      timers.add(t);
      return { cancel: () => void timers.delete(t) };
    },
    advance(ms: number) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) if (t.at <= now && timers.delete(t)) t.fn();
    },
  };
}

test("guard events in a service's log: a breaker opened and closed; system protection armed for 30 s, then disarmed", () => {
  const got: Signal[] = [];
  const clock = manualClock(7);
  const tap = new LogSignalTap('orders', 'orders', (s) => got.push(s), clock);
  const line = (o: Record<string, unknown>) => tap.write(Buffer.from(`${JSON.stringify({ level: 40, time: 1_700_000_000_000, ...o })}\n`));
  const armed = () => line({ shedding: true, msg: 'guard: system protection armed (a signal is over its trigger)' });
  const disarmed = () => line({ shedding: false, msg: 'guard: system protection disarmed' });
  line({
    resource: 'dependency:inventory',
    ruleId: 'dependency:inventory',
    from: 'closed',
    to: 'open',
    reason: 'threshold',
    msg: 'guard: breaker dependency:inventory on dependency:inventory opened (threshold)',
  });
  line({
    resource: 'dependency:inventory',
    ruleId: 'dependency:inventory',
    from: 'open',
    to: 'half_open',
    msg: 'guard: breaker dependency:inventory on dependency:inventory open -> half_open (timeout)',
  });
  line({
    resource: 'dependency:inventory',
    ruleId: 'dependency:inventory',
    from: 'half_open',
    to: 'closed',
    msg: 'guard: breaker dependency:inventory on dependency:inventory half_open -> closed (probe)',
  });
  line({ msg: 'guard: rules swapped' });
  // Armed for a few seconds (a start-up, a busy host): no signal at all, neither firing nor resolved.
  armed();
  clock.advance(10_000);
  disarmed();
  clock.advance(60_000);
  assert.deepEqual(
    got.map((s) => [s.kind, s.status, s.labels?.resource ?? null]),
    [
      ['guard.breaker_open', 'firing', 'dependency:inventory'],
      ['guard.breaker_open', 'resolved', 'dependency:inventory'],
    ],
  );
  // Armed for the built-in rule's 30 s: one firing signal, dated when it armed; disarmed: resolved.
  got.length = 0;
  armed();
  clock.advance(29_999);
  armed();
  assert.equal(got.length, 0, 'not yet: 30 s have not passed');
  clock.advance(1);
  assert.deepEqual(
    got.map((s) => [s.kind, s.status, s.at]),
    [['guard.shedding', 'firing', 1_700_000_000_000]],
  );
  disarmed();
  disarmed();
  assert.deepEqual(
    got.map((s) => [s.kind, s.status]),
    [
      ['guard.shedding', 'firing'],
      ['guard.shedding', 'resolved'],
    ],
  );
  assert.equal(builtinFor('guard.shedding')?.for?.ms, 30_000, "the hold is the ledger's for: of builtin:guard.shedding");
});

test('a multi-byte character split across two reads is one character: the same line gives the same template', () => {
  const got: Signal[] = [];
  const tap = new LogSignalTap('api', 'api:0', (s) => got.push(s), manualClock());
  const line = Buffer.from(`${JSON.stringify({ level: 50, msg: 'Zahlung für Auftrag 42 → abgelehnt' })}\n`);
  tap.write(line);
  const cut = line.indexOf(Buffer.from('→')) + 1;
  tap.write(line.subarray(0, cut));
  tap.write(line.subarray(cut));
  assert.equal(got.length, 2);
  assert.equal(got[1]!.summary, 'Zahlung für Auftrag 42 → abgelehnt');
  assert.equal(got[1]!.template!.id, got[0]!.template!.id);
});

test('Alertmanager webhook bodies: alerts become signals; holdfast’s own alerts are skipped', () => {
  const v = parseAlertmanagerWebhook(
    {
      version: '4',
      status: 'firing',
      receiver: 'holdfast',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'DiskFull', program: 'db', severity: 'critical' },
          annotations: { summary: 'disk 95%', runbook_url: 'https://r' },
          startsAt: '2026-12-07T10:00:00Z',
        },
        { status: 'resolved', labels: { alertname: 'holdfast_fatal', holdfast_incident: '4' } },
      ],
    },
    5,
  );
  assert.equal(v.ok, true);
  if (!v.ok) return;
  assert.equal(v.skipped, 1);
  assert.deepEqual(v.signals, [
    {
      kind: 'alert',
      at: Date.parse('2026-12-07T10:00:00Z'),
      summary: 'disk 95%',
      labels: { alertname: 'DiskFull', program: 'db', severity: 'critical' },
      status: 'firing',
      details: { runbook_url: 'https://r' },
      program: 'db',
    },
  ]);
});
