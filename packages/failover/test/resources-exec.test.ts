// The exec resource runs real scripts: OCF exit codes, the fencing token in their environment,
// timeouts that end the whole process group, and no side effect without leadership.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, tempDir, waitFor } from '@holdfast/testkit';
import { execSchema, ExecResource } from '../src/resources/exec.ts';
import { hasCode } from '../src/errors.ts';
import { leaderContext, stopContext } from './resources-helpers.ts';

/** A service whose state is a pid file, controlled by three scripts. */
function fixture(dir: string) {
  const pidFile = join(dir, 'svc.pid');
  const tokenFile = join(dir, 'token');
  const start = `echo "$HOLDFAST_FENCING_TOKEN $HOLDFAST_NODE $HOLDFAST_CLUSTER" > ${tokenFile}; sleep 60 & echo $! > ${pidFile}`;
  const stop = `[ -f ${pidFile} ] || exit 7; kill $(cat ${pidFile}); rm -f ${pidFile}`;
  const monitor = `[ -f ${pidFile} ] || exit 7; kill -0 $(cat ${pidFile}) 2>/dev/null || exit 1`;
  return { pidFile, tokenFile, config: execSchema.parse({ kind: 'exec', name: 'svc', start, stop, monitor }) };
}

test('exec: start/monitor/stop with OCF exit codes, the token in every script environment', async (t) => {
  const dir = tempDir(t);
  const f = fixture(dir);
  const r = new ExecResource(f.config);
  assert.deepEqual(await r.monitor(leaderContext()), { healthy: false, reason: 'monitor says not running (exit 7)' });
  await r.start(leaderContext({ token: 42 }));
  assert.equal(readFileSync(f.tokenFile, 'utf8').trim(), '42 n1 test');
  assert.deepEqual(await r.monitor(leaderContext()), { healthy: true });

  // The process died behind our back: monitor exit 1 is a failure, not "not running".
  process.kill(Number(readFileSync(f.pidFile, 'utf8')), 'SIGKILL');
  const failed = await waitFor('monitor to report the failure', async () => {
    const m = await r.monitor(leaderContext());
    return m.healthy ? undefined : m;
  });
  assert.match(failed.healthy ? '' : failed.reason, /monitor exited 1/);

  await r.stop(stopContext());
  assert.equal(existsSync(f.pidFile), false);
  await r.stop(stopContext()); // exit 7 = already stopped = success
});

test('exec: a failing start names the exit code and output; a hung script is ended with its children at the timeout', async (t) => {
  const dir = tempDir(t);
  const bad = new ExecResource(
    execSchema.parse({ kind: 'exec', name: 'bad', start: 'echo "port 5432 in use" >&2; exit 3', stop: 'exit 0' }),
  );
  await assert.rejects(bad.start(leaderContext()), (err: Error) => {
    assert.ok(hasCode(err, 'HOLDFAST_E_RESOURCE_FAILED'));
    assert.match(err.message, /resource 'bad': start exited 3: port 5432 in use/);
    return true;
  });

  const childPid = join(dir, 'child.pid');
  const hung = new ExecResource(
    execSchema.parse({ kind: 'exec', name: 'hung', start: `sleep 60 & echo $! > ${childPid}; wait`, stop: ['/bin/true'] }),
  );
  const ac = new AbortController();
  const started = hung.start(leaderContext({ signal: ac.signal }));
  await waitFor('the script to start its child', () => existsSync(childPid) && readFileSync(childPid, 'utf8').trim() !== '');
  ac.abort();
  await assert.rejects(started, (err: Error) => hasCode(err, 'HOLDFAST_E_RESOURCE_TIMEOUT'));
  const pid = Number(readFileSync(childPid, 'utf8'));
  await waitFor('the grandchild to be gone', () => !processAlive(pid));
});

test('exec: refused without leadership; stop does not need it; bad config is rejected', async (t) => {
  const dir = tempDir(t);
  const marker = join(dir, 'ran');
  const r = new ExecResource(
    execSchema.parse({ kind: 'exec', name: 'x', start: `touch ${marker}`, stop: `rm -f ${marker}`, monitor: `touch ${marker}` }),
  );
  const ctx = leaderContext();
  ctx.leadership.leader = false;
  await assert.rejects(r.start(ctx), (err: Error) => hasCode(err, 'HOLDFAST_E_NOT_LEADER'));
  await assert.rejects(r.monitor(ctx), (err: Error) => hasCode(err, 'HOLDFAST_E_NOT_LEADER'));
  assert.equal(existsSync(marker), false, 'no script ran');
  writeFileSync(marker, '');
  await r.stop(stopContext());
  assert.equal(existsSync(marker), false, 'stop ran without leadership');

  const missing = new ExecResource(
    execSchema.parse({ kind: 'exec', name: 'm', start: ['/nonexistent/start'], stop: ['/nonexistent/stop'] }),
  );
  await assert.rejects(missing.start(leaderContext()), (err: Error) => {
    assert.ok(hasCode(err, 'HOLDFAST_E_RESOURCE_FAILED'));
    assert.match(err.message, /cannot run its start command '\/nonexistent\/start'/);
    return true;
  });
  assert.equal(execSchema.safeParse({ kind: 'exec', name: 'x', start: 'true' }).success, false, 'stop is required');
  assert.equal(execSchema.safeParse({ kind: 'exec', name: 'x', start: '', stop: 'true' }).success, false, 'empty command');
  assert.equal(execSchema.safeParse({ kind: 'exec', name: 'x y', start: 'true', stop: 'true' }).success, false, 'bad name');
});
