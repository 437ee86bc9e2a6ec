// Issue #12, "local users get nothing": each attack a second local user could try on a failover
// agent, attempted for real as the user nobody (setpriv), and refused.
//   - the status socket and the generated token: in a 0700 directory, the socket 0600 from birth;
//   - a status port on loopback: reads are open, POST /switchover needs the token;
//   - a status port on another address needs a configured token, for every request;
//   - a directory nobody prepared for the agent's socket is refused, not used;
//   - the fence companion's socket (whoever connects can make it run teardown commands);
//   - the local coordinator's state directory and mutex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { freePort, startChild, tempDir, waitFor } from '@holdfast/testkit';
import { FailoverAgent } from '../src/agent.ts';
import { parseClusterConfig, type ClusterConfigInput } from '../src/config.ts';
import { companionMainPath } from '../src/fence/companion.ts';
import { LocalCoordinator } from '../src/coordinator/local.ts';
import { defaultStatusDir } from '../src/status-access.ts';
import { requestAgent } from '../src/status-server.ts';
import { asNobody, canActAsNobody, CONNECT_UNIX, HTTP_REQUEST } from './support/nobody.ts';

const quiet = pino({ level: 'silent' });

/** A directory like /tmp (sticky, world-writable), where nobody can prepare things for the agent. */
function sharedTmp(t: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(t, 'holdfast-atk-');
  chmodSync(dir, 0o1777);
  return dir;
}
const cluster = `atk${process.pid}`;

async function agent(t: Parameters<typeof tempDir>[0], dir: string, extra: Partial<ClusterConfigInput> = {}): Promise<FailoverAgent> {
  const config = parseClusterConfig({
    name: cluster,
    node: 'a',
    coordinator: { kind: 'local', dir: join(dir, 'state'), profile: 'fast' },
    fences: [],
    ...extra,
  });
  const a = new FailoverAgent({ config, log: quiet });
  t.after(() => a.stop());
  await a.start();
  return a;
}

test('as nobody: the status socket and its token file cannot even be reached (0700 directory, 0600 from creation)', async (t) => {
  if (!canActAsNobody(t)) return;
  const dir = tempDir(t);
  const socket = join(dir, 'run', 'a.sock');
  await agent(t, dir, { status: { socket } });
  assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700);
  assert.equal(statSync(socket).mode & 0o777, 0o600);
  assert.equal(statSync(`${socket}.token`).mode & 0o777, 0o600);
  assert.equal((await asNobody(CONNECT_UNIX, [socket])).stdout.trim(), 'EACCES');
  assert.match((await asNobody(HTTP_REQUEST, ['POST', socket, '/switchover', ''])).stdout, /^EACCES/);
  const read = await asNobody(
    `import { readFileSync } from 'node:fs'; try { readFileSync(process.argv[1]); console.log('read'); } catch (e) { ` +
      `console.log(e.code); }`,
    [`${socket}.token`],
  );
  assert.equal(read.stdout.trim(), 'EACCES');
});

test('as nobody: on a loopback port the status is readable but POST /switchover without the token is refused (401)', async (t) => {
  if (!canActAsNobody(t)) return;
  const dir = tempDir(t);
  const port = await freePort();
  const a = await agent(t, dir, { status: { listen: `127.0.0.1:${port}` } });
  await waitFor('a to lead', () => a.leadership.role === 'leader', { timeoutMs: 10_000 });
  const url = `http://127.0.0.1:${port}`;
  assert.match((await asNobody(HTTP_REQUEST, ['GET', url, '/status', ''])).stdout, /^200 /);
  const noToken = (await asNobody(HTTP_REQUEST, ['POST', url, '/switchover', ''])).stdout;
  assert.match(noToken, /^401 .*HOLDFAST_E_STATUS_TOKEN/);
  assert.match((await asNobody(HTTP_REQUEST, ['POST', url, '/switchover', 'a-guess-of-enough-bytes'])).stdout, /^401 /);
  const tokenFile = join(defaultStatusDir(), `${cluster}-a.token`);
  assert.ok(existsSync(tokenFile), 'the generated token sits in the private runtime directory');
  const read = await asNobody(
    `import { readFileSync } from 'node:fs'; try { readFileSync(process.argv[1]); console.log('read'); } catch (e) { ` +
      `console.log(e.code); }`,
    [tokenFile],
  );
  assert.equal(read.stdout.trim(), 'EACCES');
  assert.equal(a.leadership.role, 'leader', 'nothing moved');
  // The agent's own user, with the token: accepted (the request gets as far as the switchover).
  const ok = await requestAgent(
    { host: '127.0.0.1', port },
    'POST',
    '/switchover',
    { to: 'b' },
    5000,
    readFileSync(tokenFile, 'utf8').trim(),
  );
  assert.notEqual(ok.status, 401);
});

test('a status port on a non-loopback address: refused without a token; with one, every request needs it', async (t) => {
  assert.throws(
    () => parseClusterConfig({ name: 'c', node: 'a', coordinator: { kind: 'local', dir: '/tmp/x' }, status: { listen: '0.0.0.0:9700' } }),
    /"listen"[\s\S]*0\.0\.0\.0 is not a loopback address.*status\.token/,
  );
  if (!canActAsNobody(t)) return;
  const dir = tempDir(t);
  const port = await freePort();
  const token = 'correct-horse-battery-staple';
  await agent(t, dir, { status: { listen: `0.0.0.0:${port}`, token } });
  const url = `http://127.0.0.1:${port}`;
  assert.match((await asNobody(HTTP_REQUEST, ['GET', url, '/status', ''])).stdout, /^401 /);
  assert.match(
    (await asNobody(HTTP_REQUEST, ['GET', url, '/status', token])).stdout,
    /^200 /,
    'the token, not the user, is what counts here',
  );
});

test("as nobody: a directory prepared for the agent's socket (owned by nobody, or world-writable) is refused, not used", async (t) => {
  if (!canActAsNobody(t)) return;
  const dir = sharedTmp(t);
  const trap = join(dir, 'trap');
  const made = await asNobody(`import { mkdirSync } from 'node:fs'; mkdirSync(process.argv[1], { mode: 0o700 }); console.log('made');`, [
    trap,
  ]);
  assert.equal(made.stdout.trim(), 'made', made.stderr);
  const config = parseClusterConfig({
    name: cluster,
    node: 'a',
    coordinator: { kind: 'local', dir: join(dir, 'state') },
    fences: [],
    status: { socket: join(trap, 'a.sock') },
  });
  const a = new FailoverAgent({ config, log: quiet });
  await assert.rejects(
    a.start(),
    (err: Error & { code?: string }) =>
      err.code === 'HOLDFAST_E_CONFIG' && /status\.socket: .*trap is owned by uid 65534/.test(err.message),
  );
  await a.stop();
});

test("as nobody: the fence companion's socket cannot be reached, and it refuses a directory it does not own", async (t) => {
  if (!canActAsNobody(t)) return;
  const dir = tempDir(t);
  const socket = join(dir, 'fence', 'companion.sock');
  const companion = startChild(t, process.execPath, [companionMainPath, '--socket', socket]);
  await waitFor('the companion to listen', () => existsSync(socket));
  assert.equal(statSync(join(dir, 'fence')).mode & 0o777, 0o700);
  assert.equal(statSync(socket).mode & 0o777, 0o600);
  assert.equal((await asNobody(CONNECT_UNIX, [socket])).stdout.trim(), 'EACCES', 'no other user can register teardown commands');
  companion.kill('SIGTERM');

  mkdirSync(join(dir, 'shared'), { mode: 0o777 });
  chmodSync(join(dir, 'shared'), 0o777);
  const refused = spawn(process.execPath, [companionMainPath, '--socket', join(dir, 'shared', 'companion.sock')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  refused.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => refused.once('exit', r));
  assert.equal(code, 2);
  assert.match(stderr, /has mode 0777/);
  assert.equal(existsSync(join(dir, 'shared', 'companion.sock')), false);
});

test("as nobody: the local coordinator's state directory and mutex cannot be opened, so the mutex cannot be taken first", async (t) => {
  if (!canActAsNobody(t)) return;
  const dir = sharedTmp(t);
  const c = new LocalCoordinator({ dir, cluster: 'c', ttlMs: 1000 });
  t.after(() => c.close());
  await c.connect();
  const grab = await asNobody(
    `import { DatabaseSync } from 'node:sqlite'; try { const db = new DatabaseSync(process.argv[1]); db.exec('BEGIN ` +
      `EXCLUSIVE'); console.log('locked'); } catch (e) { console.log('refused', e.message); }`,
    [join(dir, 'c', 'mutex.db')],
  );
  assert.match(grab.stdout, /^refused /, grab.stdout + grab.stderr);
  const plant = await asNobody(
    `import { writeFileSync } from 'node:fs'; try { writeFileSync(process.argv[1], '{}'); console.log('planted'); } ` +
      `catch (e) { console.log(e.code); }`,
    [join(dir, 'c', 'state.json')],
  );
  assert.equal(plant.stdout.trim(), 'EACCES');
  // The state directory, prepared by nobody before the agent first ran: refused.
  const made = await asNobody(`import { mkdirSync } from 'node:fs'; mkdirSync(process.argv[1], { mode: 0o700 }); console.log('made');`, [
    join(dir, 'theirs'),
  ]);
  assert.equal(made.stdout.trim(), 'made', made.stderr);
  const theirs = new LocalCoordinator({ dir, cluster: 'theirs', ttlMs: 1000 });
  await assert.rejects(
    theirs.connect(),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_LOCAL_STATE' && /owned by uid 65534/.test(err.message),
  );
});
