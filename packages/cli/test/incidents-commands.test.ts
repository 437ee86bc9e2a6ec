// `holdfast incidents …`, `holdfast alerts lint|report` and `holdfast drill alerts`, run as a user
// runs them against a real daemon with the incident loop on.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, freePort, waitFor } from '@holdfast/testkit';
import { IncidentsClient } from '@holdfast/supervisor';
import { holdfast, startDaemon, writeConfig } from './support/daemon.ts';

const KB = `# The knowledge base of this test.
entries:
  - id: worker-queue
    match: {program: worker, code: E_QUEUE}
    category: queue
    severity: error
    runbook: https://runbooks.example/queue
`;

test('incidents list, show, ack, resolve --learn, invalid; alerts report and lint; drill alerts', async (t) => {
  const port = await freePort();
  let told = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      told++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  const line = (code: string) =>
    `setInterval(() => console.log(JSON.stringify({ level: 50, msg: 'job failed', err: { type: 'Error', message: 'x', ` +
    `code: '${code}' } })), 50)`;
  const { dir, file, config } = await writeConfig(
    t,
    `programs:
  worker:
    command: [${process.execPath}, -e, "${line('E_QUEUE')}"]
    ready: {afterMs: 0}
  mailer:
    command: [${process.execPath}, -e, "${line('E_SMTP')}"]
    ready: {afterMs: 0}
incidents:
  knowledge: knowledge.yaml
  quietPeriod: 1h
  receivers: [{name: ops, type: webhook, url: 'http://127.0.0.1:${port}/'}]
  routes: [{receiver: ops, groupBy: ['...'], groupWait: 0, groupInterval: 0}]
`,
  );
  writeFileSync(join(dir, 'knowledge.yaml'), KB);
  const { client } = await startDaemon(t, config);
  const c = ['-c', file];
  const loop = new IncidentsClient({ socket: config.supervisor.socket });
  await waitFor('two incidents, notified', async () => (await loop.list()).length === 2 && told >= 2);

  let r = await holdfast(['incidents', ...c]);
  assert.equal(r.code, 3, 'incidents are open');
  assert.match(r.stdout, /^ID\s+STATE\s+SEVERITY\s+PROGRAM\s+CATEGORY\s+COUNT\s+LAST SEEN\s+SUMMARY$/m);
  assert.match(r.stdout, /^\d+\s+open\s+error\s+worker\s+queue\s+\d+\s+\d+s ago\s+job failed: x$/m);
  assert.match(r.stdout, /^\d+\s+open\s+error\s+mailer\s+unclassified\s+\d+/m);
  r = await holdfast(['status', ...c]);
  assert.match(r.stdout, /^incidents: 2 open, 0 acknowledged \(holdfast incidents\); store ok$/m);
  const list = JSON.parse((await holdfast(['incidents', 'list', '--json', ...c])).stdout) as { id: number; program: string }[];
  const mailer = list.find((i) => i.program === 'mailer')!.id;
  const worker = list.find((i) => i.program === 'worker')!.id;

  r = await holdfast(['incidents', 'show', String(mailer), ...c]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^incident ${mailer} {2}OPEN\\n {2}job failed: x`));
  assert.match(r.stdout, /dedup_key {2}hf1:log:mailer:[0-9a-f]{16}/);
  assert.match(r.stdout, /grouped by template \(v1\)/);
  assert.match(r.stdout, /notifications:\n.*#\d+ ops: trigger sent/);

  r = await holdfast(['incidents', 'ack', String(mailer), '--by', 'ana', ...c]);
  assert.match(r.stdout, new RegExp(`incident ${mailer} acknowledged by ana`));
  r = await holdfast(['incidents', 'ack', String(mailer), ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HOLDFAST_E_INCIDENT_STATE.*is acknowledged/);

  await client.stop('mailer');
  r = await holdfast([
    'incidents',
    'resolve',
    String(mailer),
    '--cause',
    'the SMTP relay was down',
    '--learn',
    '--owner',
    'team-mail',
    '--category',
    'smtp',
    ...c,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`learned: entry 'learned-${mailer}' added to .*knowledge\\.yaml`));
  const kb = readFileSync(join(dir, 'knowledge.yaml'), 'utf8');
  assert.ok(kb.startsWith(KB), 'comments and entries kept');
  assert.match(kb, /owner: team-mail/);

  await client.stop('worker');
  r = await holdfast(['incidents', 'invalid', String(worker), '--reason', 'a load test', ...c]);
  assert.match(r.stdout, /marked not valid \(a load test\); it counts against kb:worker-queue/);

  r = await holdfast(['alerts', 'report', ...c]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^RULE\s+FIRED\s+ACKED\s+INVALID\s+IGNORED\s+FLAPPING\s+ACK p50\s+NOISE\s+SUGGESTION$/m);
  assert.match(r.stdout, /^kb:worker-queue\s+1\s+0\s+1\s+0\s+0\s+-\s+1\.00\s+close$/m);
  assert.match(r.stdout, /kb:worker-queue: close: 1 of 1 firings were marked not valid/);
  const report = JSON.parse((await holdfast(['alerts', 'report', '--json', '--since', '1h', ...c])).stdout) as {
    rules: { rule: string }[];
  };
  assert.deepEqual(report.rules.map((x) => x.rule).sort(), ['kb:worker-queue', 'unclassified:log.error']);

  // The ledger: the original entry has no owner; the learned one is complete.
  r = await holdfast(['alerts', 'lint', ...c]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /knowledge\.yaml:3:5 {2}error \[owner\] kb:worker-queue: no owner/);
  assert.doesNotMatch(r.stdout, /learned-/);
  assert.match(r.stdout, /rule\(s\) in .*holdfast\.yaml \(holdfast\), .*knowledge\.yaml \(knowledge\): 1 error\(s\), 0 warning\(s\)/);

  r = await holdfast(['drill', 'alerts', '--storm', '500', '--programs', '5', '--json', ...c]);
  assert.equal(r.code, 0, r.stderr);
  const drill = JSON.parse(r.stdout) as {
    incidents: number;
    dedupRatio: number;
    lost: { signals: number; notifications: number };
    notifications: { sent: number };
  };
  assert.equal(drill.incidents, 25);
  assert.equal(drill.dedupRatio, 20);
  assert.deepEqual(drill.lost, { signals: 0, notifications: 0 });
  assert.equal(drill.notifications.sent, 25);
  assert.match(r.stderr, /\[drill\] 500 signals across 5 programs, through the daemon's incident loop/);
});

test('--json on every incidents and alerts command: what a script reads, and the exit codes', async (t) => {
  const port = await freePort();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  // One error line each, then quiet: a resolved incident stays resolved.
  const once = (code: string) =>
    `console.log(JSON.stringify({ level: 50, msg: 'job failed', err: { type: 'Error', message: 'x', code: ` +
    `'${code}' } ` +
    `})); setInterval(() => {}, 60000)`;
  const programs = ['a', 'b', 'c']
    .map((p) => `  ${p}:\n    command: [${process.execPath}, -e, "${once(`E_${p.toUpperCase()}`)}"]\n    ready: {afterMs: 0}\n`)
    .join('');
  const { dir, file, config } = await writeConfig(
    t,
    `programs:\n${programs}incidents:\n  knowledge: knowledge.yaml\n  quietPeriod: 1h\n  receivers: [{name: ops, ` +
      `type: webhook, url: 'http://127.0.0.1:${port}/'}]\n  routes: [{receiver: ops, groupBy: ['...'], groupWait: 0}]\n`,
  );
  writeFileSync(join(dir, 'knowledge.yaml'), KB);
  await startDaemon(t, config);
  const c = ['-c', file];
  const loop = new IncidentsClient({ socket: config.supervisor.socket });
  await waitFor('three incidents', async () => (await loop.list()).length === 3);
  const json = async <T>(args: string[], code = 0): Promise<T> => {
    const r = await holdfast([...args, '--json', ...c]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  type Inc = { id: number; program: string; state: string; ackedBy?: string; cause?: string; invalidReason?: string; resolution?: string };
  const list = await json<Inc[]>(['incidents'], 3);
  const id = (p: string) => String(list.find((i) => i.program === p)!.id);
  assert.deepEqual(
    list.map((i) => i.state),
    ['open', 'open', 'open'],
  );

  const shown = await json<{ incident: Inc; history: { what: string }[]; notifications: { status: string }[] }>([
    'incidents',
    'show',
    id('a'),
  ]);
  assert.equal(shown.incident.program, 'a');
  assert.deepEqual(
    shown.history.map((h) => h.what),
    ['opened'],
  );
  assert.ok(shown.notifications.length >= 1);
  const acked = await json<Inc>(['incidents', 'ack', id('a'), '--by', 'ana']);
  assert.deepEqual([acked.state, acked.ackedBy], ['acknowledged', 'ana']);
  const resolved = await json<{ incident: Inc }>(['incidents', 'resolve', id('b'), '--cause', 'disk full']);
  assert.deepEqual([resolved.incident.state, resolved.incident.resolution, resolved.incident.cause], ['resolved', 'manual', 'disk full']);
  const invalid = await json<Inc>(['incidents', 'invalid', id('c'), '--reason', 'a test']);
  assert.deepEqual([invalid.state, invalid.resolution, invalid.invalidReason], ['resolved', 'invalid', 'a test']);
  assert.deepEqual(
    (await json<Inc[]>(['incidents', 'list', '--state', 'live'])).map((i) => i.state),
    ['acknowledged'],
    'nothing open: exit 0',
  );

  const report = await json<{ rules: { rule: string; fired: number; invalid: number }[] }>(['alerts', 'report']);
  const unclassified = report.rules.find((r) => r.rule === 'unclassified:log.error')!;
  assert.deepEqual([unclassified.fired, unclassified.invalid], [3, 1]);
  const lint = await json<{
    files: { file: string; kind: string }[];
    rules: number;
    errors: number;
    warnings: number;
    findings: { rule: string; check: string; level: string; line?: number }[];
  }>(['alerts', 'lint'], 1);
  assert.deepEqual(
    lint.files.map((f) => f.kind),
    ['holdfast', 'knowledge'],
  );
  assert.equal(lint.errors, 1);
  assert.deepEqual(
    lint.findings.filter((f) => f.level === 'error').map((f) => [f.rule, f.check, f.line]),
    [['kb:worker-queue', 'owner', 3]],
  );
  const drill = await json<{ signals: number; lost: { signals: number; notifications: number } }>([
    'drill',
    'alerts',
    '--storm',
    '50',
    '--programs',
    '2',
  ]);
  assert.deepEqual([drill.signals, drill.lost], [50, { signals: 0, notifications: 0 }]);
});

test('usage errors: a missing or malformed id, --learn without --cause, a drill without --storm', async () => {
  const cases: [string[], RegExp][] = [
    [['incidents', 'ack'], /name an incident id/],
    [['incidents', 'show', 'abc'], /'abc' is not an incident id/],
    [['incidents', 'resolve', '4', '--learn'], /--learn needs --cause/],
    [['incidents', 'resolve', '4', '--owner', 'x'], /--owner goes with --learn/],
    [['incidents', 'invalid', '4'], /--reason is required/],
    [['incidents', '--state', 'opn'], /--state is one of open, .* not 'opn' \(did you mean 'open'\?\)/],
    [['drill', 'alerts'], /--storm N is required/],
    [['drill', 'alerts', '--storm', '10', '--spread', '60'], /--spread 60 has no unit/],
    [['alerts', 'lint'], /name the files to lint, or a config with -c/],
  ];
  for (const [args, re] of cases) {
    const r = await holdfast(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});
