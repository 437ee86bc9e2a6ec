// The program resource against a recording SupervisorControl. The real supervisor client is not
// exported yet (@holdfast/supervisor is being built); its wiring and an end-to-end test come then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { programKind, programSchema, ProgramResource, setSupervisorControlFactory, type ProgramStatus, type SupervisorControl } from '../src/resources/program.ts';
import { hasCode } from '../src/errors.ts';
import { capturedLog, leaderContext, stopContext } from './resources-helpers.ts';

function recorder(status: ProgramStatus = { state: 'RUNNING', pid: 99 }) {
  const calls: Array<[string, string, Record<string, string>?]> = [];
  const control: SupervisorControl & { status_: ProgramStatus } = {
    status_: status,
    async start(p, { env }) {
      calls.push(['start', p, { ...env }]);
    },
    async stop(p) {
      calls.push(['stop', p]);
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

test('program: supervisor errors are wrapped with the program name; the kind explains the missing client', async () => {
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
  assert.throws(() => programKind.create(config, deps), (err: Error) => hasCode(err, 'HOLDFAST_E_CONFIG') && /control client/.test(err.message));
  setSupervisorControlFactory(() => recorder().control);
  assert.ok(programKind.create(config, deps) instanceof ProgramResource);
  assert.equal(programSchema.safeParse({ kind: 'program', name: 'db' }).success, false, 'program is required');
});
