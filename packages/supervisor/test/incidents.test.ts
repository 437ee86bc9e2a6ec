// The incident loop in the real daemon process: program events and error lines become
// classified incidents, notifications reach a webhook receiver, the API's commands work (resolve
// --learn writes knowledge.yaml back, comments kept), and bad input is refused with nothing stored.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanup, freePort, startChild, waitFor } from '@holdfast/testkit';
import { daemonArgv, IncidentsClient, loadSupervisorConfig } from '../src/index.ts';
import { node, reapAll, startDaemon, writeConfig } from './helpers.ts';

interface Hook {
  url: string;
  got: { incidents: { id: number; action: string; category: string; program: string }[] }[];
}

async function webhook(t: TestContext): Promise<Hook> {
  const port = await freePort();
  const got: Hook['got'] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      got.push(JSON.parse(raw) as Hook['got'][number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${port}/hook`, got };
}

const KB = `# What we know about our programs.
entries:
  # The payment provider's certificate expires now and then.
  - id: payment-cert
    match: {program: api, code: E_CERT}
    category: certificate
    severity: critical
    owner: team-payments
    runbook: https://runbooks.example/cert
`;

// Logs an error line (pino's shape) every 20 ms, with a changing number in it.
const errors = (code: string, msg: string) =>
  `let n = 0; setInterval(() => console.log(JSON.stringify({ level: 50, time: Date.now(), msg: ` +
  `'${msg} ' + (n++), ` +
  `err: { type: 'Error', message: 'boom', code: '${code}' } })), 20)`;

function incidentsYaml(hook: string, extra = '') {
  return `incidents:
  knowledge: knowledge.yaml
  quietPeriod: 1h
  receivers: [{name: ops, type: webhook, url: '${hook}'}]
  routes: [{receiver: ops, groupBy: ['...'], groupWait: 0, groupInterval: 0}]
${extra}`;
}

test('crash loops, FATAL and error lines become classified incidents; the receiver is told once each', async (t) => {
  const hook = await webhook(t);
  const { dir, config } = await writeConfig(
    t,
    `programs:
  crasher:
    command: [${node}, -e, "setTimeout(() => process.exit(3), 50)"]
    ready: {afterMs: 2000}
    startRetries: 3
    backoff: {initialMs: 10, maxMs: 20, immediateFirst: true}
  api:
    command: [${node}, -e, "${errors('E_CERT', 'payment refused after')}"]
    ready: {afterMs: 0}
  worker:
    command: [${node}, -e, "${errors('E_QUEUE', 'queue stalled for')}"]
    ready: {afterMs: 0}
${incidentsYaml(hook.url)}`,
  );
  writeFileSync(join(dir, 'knowledge.yaml'), KB);
  await loadSupervisorConfig(config.file);
  const { client } = await startDaemon(t, config);
  const inc = new IncidentsClient({ socket: config.supervisor.socket });
  let seen: string[] = [];
  const live = await waitFor(
    'four incidents',
    async () => {
      const l = await inc.list();
      seen = l.map((i) => `${i.program}/${i.kind}×${i.count}`);
      return l.length >= 4 && l.every((i) => i.kind !== 'log.error' || i.count >= 10) ? l : undefined;
    },
    { timeoutMs: 20_000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; incidents: ${seen.join(', ')}`);
  });
  const by = (p: string, kind: string) => live.find((i) => i.program === p && i.kind === kind)!;
  assert.equal(by('crasher', 'program.crash_loop').category, 'crash-loop');
  assert.equal(by('crasher', 'program.fatal').severity, 'critical');
  const api = by('api', 'log.error');
  assert.equal(api.category, 'certificate', 'classified by the knowledge base at once');
  assert.equal(api.owner, 'team-payments');
  const worker = by('worker', 'log.error');
  assert.equal(worker.category, 'unclassified');
  assert.equal(live.length, 4, `one incident per fault, not one per line: ${live.map((i) => `${i.program}/${i.kind}`).join(', ')}`);
  await waitFor(
    'the receiver told of each',
    () => new Set(hook.got.flatMap((n) => n.incidents.filter((i) => i.action === 'trigger').map((i) => i.id))).size === 4,
  );
  const triggers = hook.got.flatMap((n) => n.incidents.filter((i) => i.action === 'trigger'));
  assert.equal(triggers.length, 4, 'once each, however many lines');

  const status = await client.status();
  assert.equal(status.daemon.incidents?.store.ok, true);
  assert.ok((status.daemon.incidents?.signals ?? 0) > 20);
  const metrics = await client.metrics();
  assert.match(metrics, /holdfast_incidents\{state="open"\} 4/);
  assert.match(metrics, /holdfast_incident_store_errors_total 0/);
});

test('ack, invalid, resolve --learn: the knowledge base learns with its comments kept, and the next one is classified', async (t) => {
  const hook = await webhook(t);
  const { dir, config } = await writeConfig(
    t,
    `programs:
  worker:
    command: [${node}, -e, "${errors('E_QUEUE', 'queue stalled for')}"]
    ready: {afterMs: 0}
${incidentsYaml(hook.url)}`,
  );
  writeFileSync(join(dir, 'knowledge.yaml'), KB);
  const { client } = await startDaemon(t, config);
  const inc = new IncidentsClient({ socket: config.supervisor.socket });
  const [first] = await waitFor('an incident', async () => {
    const l = await inc.list();
    return l.length ? l : undefined;
  });
  assert.equal(first!.category, 'unclassified');
  await inc.ack(first!.id, 'ana');
  await assert.rejects(inc.ack(first!.id), { code: 'HOLDFAST_E_INCIDENT_STATE', message: /is acknowledged: it cannot be acknowledged/ });
  await assert.rejects(inc.ack(9999), { code: 'HOLDFAST_E_UNKNOWN_INCIDENT' });
  await assert.rejects(inc.resolve(first!.id, { learn: true }), { code: 'HOLDFAST_E_BAD_REQUEST', message: /learn needs a cause/ });
  const r = await inc.resolve(first!.id, {
    cause: 'the queue broker ran out of disk',
    learn: { owner: 'team-queue', category: 'broker-disk' },
  });
  assert.equal(r.incident.state, 'resolved');
  assert.equal(r.learned!.entry.id, `learned-${first!.id}`);
  const text = readFileSync(join(dir, 'knowledge.yaml'), 'utf8');
  assert.ok(text.startsWith(KB), 'everything that was there stays, comments included');
  assert.match(
    text,
    new RegExp(
      `# learned from incident ${first!.id} on \\d{4}-\\d\\d-\\d\\d: the queue broker ran out of disk\\n  - id: learned-${first!.id}`,
    ),
  );
  // The program keeps logging: the incident comes back (a regression), now classified.
  const again = await waitFor('the regression', async () => {
    const shown = await inc.show(first!.id);
    return shown.incident.state === 'open' ? shown : undefined;
  });
  assert.equal(again.incident.category, 'broker-disk');
  assert.equal(again.incident.owner, 'team-queue');
  assert.equal(again.incident.reopened, 1);
  assert.deepEqual(
    again.history.map((h) => h.what),
    ['opened', 'acknowledged', 'resolved', 'reopened'],
  );
  await client.stop('worker');
  const invalid = await inc.invalid(first!.id, 'the broker test environment', 'bo');
  assert.equal(invalid.resolution, 'invalid');
  const report = await inc.report('1h');
  const unclassified = report.rules.find((x) => x.rule === 'unclassified:log.error')!;
  assert.deepEqual([unclassified.fired, unclassified.acknowledged], [1, 1]);
  const learned = report.rules.find((x) => x.rule === `kb:learned-${first!.id}`)!;
  assert.deepEqual([learned.fired, learned.invalid, learned.suggestion], [1, 1, 'close']);
});

test('bad input: malformed webhook and signal bodies are 400 and store nothing; the loop off is a clear 404', async (t) => {
  const hook = await webhook(t);
  const { dir, config } = await writeConfig(
    t,
    `programs:\n  idle:\n    command: [sleep, '1000']\n    ready: {afterMs: 0}\n${incidentsYaml(hook.url)}`,
  );
  writeFileSync(join(dir, 'knowledge.yaml'), KB);
  await startDaemon(t, config);
  const sock = config.supervisor.socket;
  const raw = (path: string, body: string) =>
    new Promise<{ status: number; json: { error?: { code: string; message: string } } }>((resolve, reject) => {
      const req = request({ socketPath: sock, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let t = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(t) as { error?: { code: string; message: string } } }));
      });
      req.once('error', reject);
      req.end(body);
    });
  const cases: [string, string, RegExp][] = [
    ['/v1/alertmanager', '{not json', /not JSON/],
    ['/v1/alertmanager', '[]', /expected Alertmanager's webhook JSON/],
    ['/v1/alertmanager', JSON.stringify({ version: '3', alerts: [] }), /version: expected "4".*alerts: the list is empty/],
    [
      '/v1/alertmanager',
      JSON.stringify({
        version: '4',
        alerts: [
          { status: 'firing', labels: { alertname: 'A' } },
          { status: 'burning', labels: { 'bad-label': 'x' }, startsAt: 'yesterday' },
        ],
      }),
      /alerts\[1\]\.status: expected "firing" or "resolved".*alerts\[1\]\.labels\.bad-label: not a valid label name.*alerts\[1\]\.labels\.alertname: missing.*alerts\[1\]\.startsAt/,
    ],
    [
      '/v1/signals',
      JSON.stringify({ signals: [{ kind: 'program.fatal', summary: 'ok' }, { kind: 'nope' }] }),
      /signals\[1\]\.kind: 'nope' is not a signal kind.*signals\[1\]\.summary: missing/,
    ],
    ['/v1/incidents/1/invalid', JSON.stringify({}), /reason: missing/],
    ['/v1/incidents/silences', JSON.stringify({ matchers: {} }), /matchers: give at least one.*endsAt: missing/],
  ];
  for (const [path, body, re] of cases) {
    const r = await raw(path, body);
    assert.equal(r.status, 400, `${path} ${body}`);
    assert.equal(r.json.error?.code, 'HOLDFAST_E_BAD_REQUEST');
    assert.match(r.json.error!.message, re);
  }
  const huge = await raw(
    '/v1/incidents/silences',
    JSON.stringify({ matchers: { program: 'x'.repeat(70_000) }, endsAt: '2099-01-01T00:00:00Z' }),
  );
  assert.deepEqual([huge.status, huge.json.error?.code], [413, 'HOLDFAST_E_BAD_REQUEST']);
  assert.match(huge.json.error!.message, /larger than 65536 bytes/);
  const inc = new IncidentsClient({ socket: sock });
  assert.deepEqual(await inc.list({ state: 'all' }), [], 'nothing was stored');
  assert.equal((await inc.incidentsStatus()).signals, 0);

  const off = await writeConfig(t, `programs:\n  idle:\n    command: [sleep, '1000']\n    ready: {afterMs: 0}\n`);
  await startDaemon(t, off.config);
  await assert.rejects(new IncidentsClient({ socket: off.config.supervisor.socket }).list(), {
    code: 'HOLDFAST_E_INCIDENTS_OFF',
    message: /add an 'incidents:' section/,
  });
});

test('a knowledge base reloaded with an error is refused, naming file:line; the one in use stays and classifies', async (t) => {
  const { dir, config } = await writeConfig(
    t,
    `programs:\n  idle:\n    command: [sleep, '1000']\n    ready: {afterMs: 0}\n${incidentsYaml('http://127.0.0.1:9/x')}`,
  );
  const kbFile = join(dir, 'knowledge.yaml');
  writeFileSync(kbFile, KB);
  await startDaemon(t, config);
  const inc = new IncidentsClient({ socket: config.supervisor.socket });
  writeFileSync(kbFile, `${KB}  - id: broken\n    match: {regex: 'timeout (after'}\n    category: x\n`);
  await assert.rejects(inc.reloadKnowledge(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'HOLDFAST_E_KNOWLEDGE');
    assert.match(err.message, new RegExp(`${kbFile}:11:13 .*entries\\[1\\]\\.match\\.regex: invalid regex`));
    assert.match(err.message, /the knowledge base in use stays as it was/);
    return true;
  });
  const st = await inc.incidentsStatus();
  assert.equal(st.knowledge.entries, 1);
  assert.match(st.knowledge.error ?? '', /invalid regex/);
  const [r] = (
    await inc.signals([{ kind: 'log.error', at: Date.now(), summary: 'cert expired', program: 'api', error: { code: 'E_CERT' } }])
  ).results;
  assert.equal((await inc.show(r!.incident)).incident.rule, 'kb:payment-cert', 'still classified by the entries in use');
  writeFileSync(kbFile, `${KB}  - id: fixed\n    match: {regex: 'timeout \\(after'}\n    category: x\n`);
  assert.deepEqual(await inc.reloadKnowledge(), { file: kbFile, entries: 2 });
  assert.equal((await inc.incidentsStatus()).knowledge.error, null);
});

test('a knowledge base with an invalid regex stops the daemon from starting, naming file:line', async (t) => {
  const { dir, file, config } = await writeConfig(
    t,
    `programs:\n  idle:\n    command: [sleep, '1000']\n    ready: {afterMs: 0}\n${incidentsYaml('http://127.0.0.1:9/x')}`,
  );
  writeFileSync(join(dir, 'knowledge.yaml'), `entries:\n  - id: bad\n    match: {regex: 'timeout (after'}\n    category: x\n`);
  const child = startChild(t, process.execPath, daemonArgv(file));
  cleanup(t, () => reapAll(config.id));
  const { code } = await child.exited;
  assert.equal(code, 2);
  assert.match(
    child.stderr(),
    new RegExp(
      `${join(dir, 'knowledge.yaml')}:3:13 {2}entries\\[0\\]\\.match\\.regex: invalid regex /timeout \\(after/: Unterminated group`,
    ),
  );
});

test("a knowledge-base action 'restart <program>' runs once when the incident opens", async (t) => {
  const hook = await webhook(t);
  const { dir, config } = await writeConfig(
    t,
    `programs:
  stuck:
    command: [${node}, -e, "${errors('E_STUCK', 'worker stuck for')}"]
    ready: {afterMs: 0}
${incidentsYaml(hook.url)}`,
  );
  writeFileSync(
    join(dir, 'knowledge.yaml'),
    `entries:\n  - {id: stuck, match: {code: E_STUCK}, category: stuck-worker, severity: warning, owner: me, runbook: ` +
      `'it is restarted', action: restart stuck}\n`,
  );
  const { client } = await startDaemon(t, config);
  const inc = new IncidentsClient({ socket: config.supervisor.socket });
  const [one] = await waitFor('the incident', async () => {
    const l = await inc.list();
    return l.length ? l : undefined;
  });
  assert.equal(one!.action, 'restart stuck');
  const restarted = await waitFor('restarted by the action', async () => {
    const p = (await client.status()).programs[0]!;
    return p.restarts >= 1 && p.state === 'READY' ? p : undefined;
  });
  // It keeps logging after the restart: counted into the same open incident, no second restart.
  await waitFor('more signals counted', async () => (await inc.show(one!.id)).incident.count > one!.count + 10);
  assert.equal((await client.status()).programs[0]!.restarts, restarted.restarts, 'once, when it opened');
  assert.equal((await inc.list()).length, 1);
});
