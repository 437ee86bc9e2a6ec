// One daemon per config. The lock is an abstract Unix socket named after the state directory:
// binding it is atomic, and the kernel releases it when the process dies, however it dies, so
// there is no stale lock to detect or clean. A pid file beside it says who holds the lock.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { SupervisorError } from '../errors.ts';
import { isAlive } from '../process/proc.ts';

export interface DaemonLock {
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  config: string;
  socket: string;
  startedAt: string;
}

/** FNV-1a, 64 bits: enough to name a lock; node:crypto would load OpenSSL into the daemon for it. */
function fnv1a(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

export async function acquireLock(stateDir: string, info: Omit<Holder, 'pid' | 'startedAt'>): Promise<DaemonLock> {
  const name = `\0holdfast-supervisor-${fnv1a(resolve(stateDir))}`;
  const pidFile = join(stateDir, 'supervisor.pid');
  const server: Server = createServer();
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return fail(err);
      let holder: Holder | undefined;
      try {
        holder = JSON.parse(readFileSync(pidFile, 'utf8')) as Holder;
      } catch {}
      const who = holder && isAlive(holder.pid) ? `pid ${holder.pid}, started ${holder.startedAt}, socket ${holder.socket}` : 'another process';
      fail(new SupervisorError('HOLDFAST_E_LOCKED', `${info.config} (state ${stateDir}) is already supervised by ${who}; stop it first ('holdfast shutdown -c ${info.config}') or use another stateDir`, { holder }));
    });
    server.listen(name, () => ok());
  });
  server.unref();
  writeFileSync(pidFile, JSON.stringify({ pid: process.pid, ...info, startedAt: new Date().toISOString() } satisfies Holder) + '\n');
  return {
    release: async () => {
      rmSync(pidFile, { force: true });
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
