// The program resource against a recording SupervisorControl (the rules), and the default wiring
// to @holdfast/supervisor's client (bad input: no daemon there). program-supervisor.test.ts runs
// it end to end against a real supervisor daemon and real agents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createProgramKind,
  programKind,
  programSchema,
  ProgramResource,
  type ProgramStatus,
  type SupervisorControl,
} from '../src/resources/program.ts';
import { hasCode } from '../src/errors.ts';
import { capturedLog, leaderContext, stopContext } from './resources-helpers.ts';

function recorder(status: ProgramStatus = { state: 'RUNNING', pid: 99 }) {
  const calls: Array<[string, string, Record<string, string>?]> = [];
  const control: SupervisorControl & { status_: ProgramStatus } = {
    status_: status,
    async start(p, { env }) {
      calls.push(['start', p, { ...env }]);
      control.status_ = status;
    },
    async stop(p) {
      calls.push(['stop', p]);
      control.status_ = { state: 'stopped' };
    },
    async status() {
      return control.status_;
    },
  };
  return { control, calls };
}

const config = programSchema.parse({ kind: 'program', name: 'db', program: 'postgres' });

test('program: starts with the fencing token, monitors state and readiness, stops without leadership', async () => {
  const { control, calls } = recorder();
  control.status_ = { state: 'stopped' };
  const r = new ProgramResource(config, control);
  await r.start(leaderContext({ token: 5 }));
  assert.deepEqual(calls[0], ['start', 'postgres', { HOLDFAST_FENCING_TOKEN: '5', HOLDFAST_NODE: 'n1', HOLDFAST_CLUSTER: 'test' }]);
  assert.deepEqual(await r.monitor(leaderContext()), { healthy: true, detail: 'pid 99' });
  control.status_ = { state: 'running', ready: false };
  assert.equal((await r.monitor(leaderContext())).healthy, false);
  control.status_ = { state: 'BACKOFF' };
  assert.deepEqual(await r.monitor(leaderContext()), { healthy: false, reason: "program 'postgres' is BACKOFF" });
  await r.stop(stopContext());
  assert.deepEqual(calls[1], ['stop', 'postgres']);

  const ctx = leaderContext();
  ctx.leadership.leader = false;
  await assert.rejects(r.start(ctx), (err: Error) => hasCode(err, 'HOLDFAST_E_NOT_LEADER'));
  assert.equal(calls.length, 2, 'no supervisor call without leadership');
});

test('program: one found already up (autostarted, a lost stop) is stopped first, so what runs carries this term’s token', async () => {
  for (const state of ['running', 'STARTING', 'backoff']) {
    const { control, calls } = recorder();
    control.status_ = { state };
    await new ProgramResource(config, control).start(leaderContext({ token: 8 }));
    assert.deepEqual(
      calls.map(([action]) => action),
      ['stop', 'start'],
      state,
    );
    assert.equal(calls[1]![2]!.HOLDFAST_FENCING_TOKEN, '8');
  }
  const { control, calls } = recorder();
  control.status_ = { state: 'EXITED' };
  await new ProgramResource(config, control).start(leaderContext());
  assert.deepEqual(
    calls.map(([action]) => action),
    ['start'],
    'nothing to stop',
  );
});

test('program: supervisor errors are wrapped with the program name; by default the kind talks to a real supervisor', async () => {
  const control: SupervisorControl = {
    start: () => Promise.reject(Object.assign(new Error('no such program'), { code: 'HOLDFAST_E_NOT_FOUND' })),
    stop: () => Promise.resolve(),
    status: () => Promise.resolve({ state: 'STOPPED' }),
  };
  await assert.rejects(new ProgramResource(config, control).start(leaderContext()), (err: Error) => {
    assert.ok(hasCode(err, 'HOLDFAST_E_RESOURCE_FAILED'));
    assert.match(err.message, /could not start program 'postgres' \[HOLDFAST_E_NOT_FOUND\]: no such program/);
    return true;
  });
  const deps = { node: 'n1', cluster: 'test', log: capturedLog().log };
  // The default: @holdfast/supervisor's client on the configured socket; no daemon there is a clear failure.
  const nowhere = programSchema.parse({ kind: 'program', name: 'db', program: 'postgres', socket: '/nonexistent/holdfast.sock' });
  const real = programKind.create(nowhere, deps);
  await assert.rejects(real.start(leaderContext()), (err: Error) => {
    assert.ok(hasCode(err, 'HOLDFAST_E_RESOURCE_FAILED'));
    assert.match(
      err.message,
      /resource 'db': the supervisor could not read the state of program 'postgres' \[HOLDFAST_E_DAEMON_UNREACHABLE\]: .*\/nonexistent\/holdfast\.sock: ENOENT \(is it running\?/,
    );
    return true;
  });
  await assert.rejects(
    real.stop(stopContext()),
    (err: Error) => hasCode(err, 'HOLDFAST_E_RESOURCE_FAILED'),
    'a stop that cannot reach the supervisor fails (the fence stays armed)',
  );
  // Another way to the supervisor is passed in, not swapped in a module-level variable.
  const injected = recorder({ state: 'stopped' });
  const kind = createProgramKind(() => injected.control);
  await kind.create(config, deps).start(leaderContext({ token: 3 }));
  assert.deepEqual(
    injected.calls.map(([a, p]) => [a, p]),
    [['start', 'postgres']],
  );
  await assert.rejects(
    programKind.create(nowhere, deps).stop(stopContext()),
    (err: Error) => hasCode(err, 'HOLDFAST_E_RESOURCE_FAILED'),
    'the default kind is untouched by it',
  );
  assert.equal(programSchema.safeParse({ kind: 'program', name: 'db' }).success, false, 'program is required');
});
