// One daemon per config. The lock is a Unix socket inside the (0700) state directory: a daemon
// holds it by listening on it, so a connect() tells a live holder from one that died, and no
// other user can create it first (an abstract socket name could be bound by anyone). A pid
// file beside it says who holds the lock.
//
// Taking it without races between two daemons started at once:
//  - each binds its own socket at a unique temporary path, then link()s it to the lock path:
//    link fails with EEXIST when the lock exists, atomically; the winner unlinks its temporary name;
//  - a lock whose holder died (connect: ECONNREFUSED) is removed only under the breaker file
//    (created with O_EXCL), after checking again that nobody answers: only a breaker ever unlinks
//    a lock it does not hold, and nobody can link over an existing one, so the lock removed is the
//    dead one. A breaker left by a process that died mid-break (microseconds) is cleared once its
//    process is gone and it is 10 s old.
import { linkSync, lstatSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SupervisorError } from '../errors.ts';
import { isAlive } from '../process/proc.ts';

export interface DaemonLock {
  /** The lock's socket path. */
  readonly path: string;
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  config: string;
  socket: string;
  startedAt: string;
}

export const LOCK_NAME = 'supervisor.lock';

/** 'held': a process listens; 'dead': the file is there, nobody listens; 'none': no lock file. */
function probe(path: string): Promise<'held' | 'dead' | 'none'> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve('held');
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      // Anything but "refused" or "gone" (EAGAIN: a full backlog) means a live holder.
      resolve(err.code === 'ECONNREFUSED' ? 'dead' : err.code === 'ENOENT' ? 'none' : 'held');
    });
  });
}

function listen(server: Server, path: string): Promise<void> {
  // 0600 from creation: nobody else may even connect to it.
  const old = process.umask(0o177);
  try {
    return new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(path, () => ok());
    });
  } finally {
    process.umask(old);
  }
}

/** Removes the dead lock at `path`, under the breaker; false when another process holds the breaker. */
async function breakDeadLock(path: string): Promise<boolean> {
  const breaker = `${path}.break`;
  let fd: number;
  try {
    fd = openSync(breaker, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      const pid = Number(readFileSync(breaker, 'utf8'));
      if (!isAlive(pid) && Date.now() - lstatSync(breaker).mtimeMs > 10_000) rmSync(breaker, { force: true });
    } catch {}
    return false;
  }
  try {
    writeFileSync(fd, String(process.pid));
    if ((await probe(path)) === 'dead') rmSync(path, { force: true });
  } finally {
    closeSync(fd);
    rmSync(breaker, { force: true });
  }
  return true;
}

/** Temporary lock sockets of processes that died between bind and link. */
function removeStrayTemporaries(stateDir: string): void {
  for (const name of readdirSync(stateDir)) {
    const m = /^\.lock-(\d+)-/.exec(name);
    if (m && !isAlive(Number(m[1]))) rmSync(join(stateDir, name), { force: true });
  }
}

/** Takes the lock of the (private, existing) `stateDir`, or throws HOLDFAST_E_LOCKED naming the holder. */
export async function acquireLock(stateDir: string, info: Omit<Holder, 'pid' | 'startedAt'>): Promise<DaemonLock> {
  const path = join(stateDir, LOCK_NAME);
  const pidFile = join(stateDir, 'supervisor.pid');
  removeStrayTemporaries(stateDir);
  const temporary = join(stateDir, `.lock-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  const server = createServer((s) => s.destroy());
  await listen(server, temporary);
  server.unref();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temporary, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const state = await probe(path);
      if (state === 'held') {
        let holder: Holder | undefined;
        try {
          holder = JSON.parse(readFileSync(pidFile, 'utf8')) as Holder;
        } catch {}
        const who =
          holder && isAlive(holder.pid) ? `pid ${holder.pid}, started ${holder.startedAt}, socket ${holder.socket}` : 'another process';
        throw new SupervisorError(
          'HOLDFAST_E_LOCKED',
          `${info.config} ` +
            `(state ${stateDir}) is already supervised ` +
            `by ${who}; stop it first ('holdfast shutdown ` +
            `-c ${info.config}') or use another stateDir`,
          { holder },
        );
      }
      if (state === 'dead' && !(await breakDeadLock(path))) await delay(20);
      if (attempt > 500) throw new SupervisorError('HOLDFAST_E_LOCKED', `could not take ${path}: other daemons keep racing for it`);
    }
  } catch (err) {
    await new Promise<void>((ok) => server.close(() => ok()));
    throw err;
  } finally {
    rmSync(temporary, { force: true });
  }
  try {
    writeFileSync(pidFile, JSON.stringify({ pid: process.pid, ...info, startedAt: new Date().toISOString() } satisfies Holder) + '\n', {
      mode: 0o600,
    });
  } catch {
    // Only names the holder in a refusal; a full state disk must not keep the daemon from starting.
    rmSync(pidFile, { force: true });
  }
  return {
    path,
    release: async () => {
      rmSync(pidFile, { force: true });
      rmSync(path, { force: true });
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
