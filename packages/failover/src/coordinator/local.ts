// The embedded single-host backend: no server, no dependency. Several agents on one host share
// it through a state directory:
//
//   mutex   every operation is a read-modify-write of the state file under a mutex. The mutex
//           is a Linux abstract unix socket (a name starting with NUL): binding it is atomic,
//           and the kernel releases it the instant its holder exits, even on SIGKILL, so a
//           crashed agent never leaves a stale lock (a lock *file* would, and stealing a stale
//           lock file safely is the problem we would be trying to solve). A holder that is
//           SIGSTOPped inside the few-µs critical section blocks the others until it resumes:
//           a liveness cost, never a safety one.
//   clock   lease expiry times are CLOCK_MONOTONIC (clock.ts), which every process on the host
//           shares, so there is no clock drift between agents; a reboot resets that clock,
//           so each record carries the boot id and a record from an earlier boot is expired.
//   token   the fencing counter lives in its own file, written (tmp, fsync, rename, fsync of
//           the directory) before a campaign is reported won, so it never goes backwards
//           across crashes and restarts. The state file itself is rewritten with rename only.
//
// Abstract sockets belong to a network namespace: agents sharing the directory from two
// namespaces would not exclude each other, so the state records its namespace and refuses
// another one. Across hosts, use etcd.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { systemClock, type Clock } from '../clock.ts';
import { FailoverError } from '../errors.ts';
import {
  LeaseLostError,
  type Candidate,
  type CampaignResult,
  type ClusterView,
  type Coordinator,
  type KeepAliveAck,
  type LeaderInfo,
  type SwitchoverRequest,
  type Term,
} from './coordinator.ts';

export interface LocalCoordinatorOptions {
  /** State directory shared by the agents of this host (created 0700). */
  dir: string;
  cluster: string;
  ttlMs: number;
  /** How often observers poll (a directory watch usually tells them sooner). Default TTL/10, at most 100 ms. */
  pollMs?: number;
  clock?: Clock;
}

interface State {
  revision: number;
  boot: string;
  netns: string;
  leader: (LeaderInfo & { expiresAt: number; ttlMs: number }) | null;
  term: { node: string; token: number; released: boolean } | null;
  switchover: { request: SwitchoverRequest; expiresAt: number } | null;
}

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};

const bootId = (): string => readText('/proc/sys/kernel/random/boot_id')?.trim() ?? 'unknown-boot';
const netns = (): string => {
  try {
    return readlinkSync('/proc/self/ns/net');
  } catch {
    return 'unknown-netns';
  }
};

/** Atomically replaces `file`; with `durable`, the data and the rename reach the disk before returning. */
function writeAtomic(file: string, text: string, durable: boolean): void {
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  if (durable) {
    const dirFd = openSync(resolve(file, '..'), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

export class LocalCoordinator implements Coordinator {
  readonly kind = 'local';
  readonly ttlMs: number;
  readonly #dir: string;
  readonly #stateFile: string;
  readonly #tokenFile: string;
  readonly #lockName: string;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #boot = bootId();
  readonly #netns = netns();
  #ready = false;

  constructor(options: LocalCoordinatorOptions) {
    this.ttlMs = options.ttlMs;
    this.#dir = resolve(options.dir, options.cluster);
    this.#stateFile = join(this.#dir, 'state.json');
    this.#tokenFile = join(this.#dir, 'token');
    this.#lockName = `\0holdfast-failover-${createHash('sha256').update(this.#dir).digest('hex').slice(0, 32)}`;
    this.#clock = options.clock ?? systemClock;
    this.#pollMs = options.pollMs ?? Math.min(100, options.ttlMs / 10);
  }

  async connect(): Promise<void> {
    try {
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
      await this.read();
    } catch (err) {
      if (err instanceof FailoverError) throw err;
      throw new FailoverError('HOLDFAST_E_LOCAL_STATE', `cannot use ${this.#dir}: ${(err as Error).message}. Check coordinator.dir exists and is writable by the agent`, { dir: this.#dir }, { cause: err });
    }
  }

  read(): Promise<ClusterView> {
    return this.#locked((s) => this.#view(s));
  }

  campaign(candidate: Candidate): Promise<CampaignResult> {
    return this.#locked((s): CampaignResult => {
      if (s.leader) return { won: false, view: this.#view(s) };
      const stored = Number(readText(this.#tokenFile)?.trim() ?? '0');
      const token = Math.max(Number.isSafeInteger(stored) ? stored : 0, s.term?.token ?? 0) + 1;
      writeAtomic(this.#tokenFile, `${token}\n`, true); // before anyone can learn of the win
      const previous = s.term ? { node: s.term.node, token: s.term.token, expired: !s.term.released } : null;
      const leaseId = randomUUID();
      s.revision++;
      s.leader = { node: candidate.node, token, leaseId, priority: candidate.priority, expiresAt: this.#clock.now() + this.ttlMs, ttlMs: this.ttlMs };
      if (candidate.statusAddress) s.leader.statusAddress = candidate.statusAddress;
      s.term = { node: candidate.node, token, released: false };
      this.#write(s, true);
      return { won: true, term: { node: candidate.node, token, leaseId, revision: s.revision, ttlMs: this.ttlMs, previous } };
    });
  }

  keepAlive(term: Term): Promise<KeepAliveAck> {
    return this.#locked((s) => {
      if (!s.leader || s.leader.leaseId !== term.leaseId) {
        throw new LeaseLostError(s.leader ? `the record now belongs to token ${s.leader.token}` : `lease of token ${term.token} expired`);
      }
      s.leader.expiresAt = this.#clock.now() + s.leader.ttlMs;
      this.#write(s, false);
      return { ttlMs: s.leader.ttlMs };
    });
  }

  resign(term: Term): Promise<void> {
    return this.#locked((s) => {
      if (s.leader?.leaseId !== term.leaseId) return;
      s.revision++;
      s.leader = null;
      s.term = { node: term.node, token: term.token, released: true };
      this.#write(s, true);
    });
  }

  observe(onChange: (view: ClusterView) => void): () => void {
    let last = -1;
    let closed = false;
    let busy = false;
    const check = () => {
      if (closed || busy) return;
      busy = true;
      this.read().then(
        (v) => {
          busy = false;
          if (!closed && v.revision !== last) {
            last = v.revision;
            onChange(v);
          }
        },
        () => void (busy = false),
      );
    };
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(this.#dir, { persistent: false }, check);
      watcher.on('error', () => {});
    } catch {}
    const loop = () => {
      check();
      timer = this.#clock.setTimeout(loop, this.#pollMs);
    };
    let timer = this.#clock.setTimeout(loop, 0);
    return () => {
      closed = true;
      timer.cancel();
      watcher?.close();
    };
  }

  requestSwitchover(request: SwitchoverRequest, ttlMs: number): Promise<void> {
    return this.#locked((s) => {
      s.revision++;
      s.switchover = { request, expiresAt: this.#clock.now() + ttlMs };
      this.#write(s, false);
    });
  }

  clearSwitchover(): Promise<void> {
    return this.#locked((s) => {
      if (!s.switchover) return;
      s.revision++;
      s.switchover = null;
      this.#write(s, false);
    });
  }

  async close(): Promise<void> {}

  #view(s: State): ClusterView {
    let leader: LeaderInfo | null = null;
    if (s.leader) {
      const { expiresAt: _e, ttlMs: _t, ...info } = s.leader;
      leader = info;
    }
    return { revision: s.revision, leader, switchover: s.switchover ? { ...s.switchover.request } : null };
  }

  #write(s: State, durable: boolean): void {
    writeAtomic(this.#stateFile, JSON.stringify(s), durable);
  }

  /** Loads the state, expires what is due (writing it back), and refuses a foreign namespace. */
  #load(): State {
    const text = readText(this.#stateFile);
    let s: State = { revision: 0, boot: this.#boot, netns: this.#netns, leader: null, term: null, switchover: null };
    if (text) {
      try {
        s = JSON.parse(text) as State;
      } catch {
        throw new FailoverError('HOLDFAST_E_LOCAL_STATE', `${this.#stateFile} is corrupt. Stop the agents and delete it (keep the 'token' file: it keeps fencing tokens increasing)`, { file: this.#stateFile });
      }
    }
    if (s.netns !== this.#netns && s.boot === this.#boot) {
      throw new FailoverError(
        'HOLDFAST_E_LOCAL_STATE',
        `${this.#dir} is in use by an agent in another network namespace (${s.netns}, this one is ${this.#netns}); the local coordinator cannot exclude it. Run the agents in one namespace, or use the etcd coordinator`,
        { dir: this.#dir },
      );
    }
    const now = this.#clock.now();
    let changed = false;
    if (s.boot !== this.#boot) {
      // A reboot ended every lease (and reset the monotonic clock the expiry times refer to).
      s.boot = this.#boot;
      s.switchover = null;
      if (s.leader) s.leader.expiresAt = -Infinity;
      changed = true;
    }
    s.netns = this.#netns;
    if (s.leader && s.leader.expiresAt <= now) {
      s.leader = null; // the term stays unreleased: the next winner learns it expired
      s.revision++;
      changed = true;
    }
    if (s.switchover && s.switchover.expiresAt <= now) {
      s.switchover = null;
      s.revision++;
      changed = true;
    }
    if (changed) this.#write(s, false);
    return s;
  }

  async #locked<T>(fn: (s: State) => T): Promise<T> {
    if (!this.#ready) {
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
      this.#ready = true;
    }
    const lock = await this.#acquire();
    try {
      return fn(this.#load());
    } finally {
      lock.close();
    }
  }

  async #acquire(): Promise<Server> {
    const started = this.#clock.now();
    for (let attempt = 0; ; attempt++) {
      const server = createServer();
      try {
        await new Promise<void>((ok, fail) => {
          server.once('error', fail);
          server.listen({ path: this.#lockName }, ok);
        });
        server.unref();
        return server;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
          throw new FailoverError('HOLDFAST_E_LOCAL_STATE', `cannot take the local coordinator mutex: ${(err as Error).message}`, {}, { cause: err });
        }
        if (this.#clock.now() - started > this.ttlMs) {
          throw new FailoverError('HOLDFAST_E_COORDINATOR', `the local coordinator mutex for ${this.#dir} has been busy for ${this.ttlMs} ms (is an agent stopped inside it?)`);
        }
        await new Promise<void>((r) => this.#clock.setTimeout(r, 1 + Math.min(attempt, 10) * Math.random()));
      }
    }
  }
}
