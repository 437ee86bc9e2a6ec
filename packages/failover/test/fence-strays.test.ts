// The agent's action processes carry its marker in their environment; the fence finds them in
// /proc and ends them. Processes without the marker (or with another agent's) are left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cleanup } from '@holdfast/testkit';
import { ACTION_MARKER_ENV, actionScope, runCommand } from '../src/resources/command.ts';
import { killStrays, markedProcesses } from '../src/fence/strays.ts';

function sleeper(t: Parameters<typeof cleanup>[0], env: Record<string, string>) {
  const child = spawn('sleep', ['30'], { env: { ...process.env, ...env }, stdio: 'ignore' });
  cleanup(t, () => void child.kill('SIGKILL'));
  return child;
}

test('strays: runCommand marks what it runs inside an action scope, and only there', async () => {
  const echo = () => runCommand('sh', ['-c', `echo "[$${ACTION_MARKER_ENV}]"`]);
  assert.equal((await echo()).stdout.trim(), '[]');
  assert.equal((await actionScope.run('c/n1/123/abcdef', echo)).stdout.trim(), '[c/n1/123/abcdef]');
  // Timers started inside the scope (a gratuitous ARP burst) keep it.
  const later = await actionScope.run(
    'c/n1/123/abcdef',
    () => new Promise<string>((resolve) => setTimeout(() => void echo().then((r) => resolve(r.stdout.trim())), 10)),
  );
  assert.equal(later, '[c/n1/123/abcdef]');
});

test('strays: the fence finds and ends exactly the processes carrying its agent’s marker', async (t) => {
  const mine = sleeper(t, { [ACTION_MARKER_ENV]: 'c/n1/1/mine0001' });
  const other = sleeper(t, { [ACTION_MARKER_ENV]: 'c/n1/1/mine00012' }); // a longer marker with mine as a prefix
  const plain = sleeper(t, {});
  await new Promise((r) => setTimeout(r, 100)); // exec'd by now
  assert.deepEqual(markedProcesses('c/n1/1/mine0001'), [mine.pid]);
  const exited = new Promise((r) => mine.once('exit', r));
  const r = await killStrays('c/n1/1/mine0001');
  assert.equal(r.ok, true);
  assert.equal(r.killed, 1);
  await exited;
  assert.equal(other.exitCode ?? other.signalCode, null, 'another agent’s action is left alone');
  assert.equal(plain.exitCode ?? plain.signalCode, null);
  const none = await killStrays('c/n1/1/nothing1');
  assert.deepEqual([none.ok, none.killed], [true, 0]);
  // Not knowing is not "none left": the fence then keeps the lease (it expires instead).
  const blind = await killStrays('c/n1/1/mine0001', { procDir: '/nonexistent-proc' });
  assert.equal(blind.ok, false);
  assert.match(blind.error!, /cannot look for action processes: .*nonexistent-proc/);
});
