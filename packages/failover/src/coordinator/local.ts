// The embedded single-host backend: no server, no dependency. Several agents on one host share
// it through a state directory, which only the agents' user can enter (0700, checked):
//
//   mutex   every operation is a read-modify-write of the state file under a mutex: an
//           exclusive POSIX record lock on `mutex.db` in that directory, taken through
//           node:sqlite (Node has no flock/fcntl of its own; SQLite's BEGIN EXCLUSIVE takes
//           exactly that lock and nothing else here writes to the file). The kernel drops the
//           lock the instant its holder exits, even on SIGKILL, so a crashed agent never leaves
//           a stale lock, and it is a file inside the private directory, so no other user can
//           take it first (an abstract socket name could be bound by anyone). A holder that is
//           SIGSTOPped inside the few-µs critical section blocks the others until it resumes:
//           a liveness cost, never a safety one.
//   clock   lease expiry times are CLOCK_MONOTONIC (clock.ts), which every process on the host
//           shares, so there is no clock drift between agents; a reboot resets that clock,
//           so each record carries the boot id and a record from an earlier boot is expired.
//   token   the fencing counter lives in its own file, written (tmp, fsync, rename, fsync of
//           the directory) before a campaign is reported won, so it never goes backwards
//           across crashes and restarts. The state file itself is rewritten with rename only.
//
// A file lock is host-wide, so agents in different network namespaces share the mutex too.
// Across hosts, use etcd.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { systemClock, type Clock } from '../clock.ts';
import { FailoverError } from '../errors.ts';
import { ensurePrivateDir, withUmask } from '../private-dir.ts';
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
  leader: (LeaderInfo & { expiresAt: number; ttlMs: number }) | null;
  term: { node: string; token: number; released: boolean; campaign?: string } | null;
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

/** SQLITE_BUSY / SQLITE_LOCKED: another process holds the lock. */
const busy = (err: unknown): boolean => [5, 6].includes((err as { errcode?: number }).errcode ?? -1);

/** Atomically replaces `file`; with `durable`, the data and the rename reach the disk before returning. */
function writeAtomic(file: string, text: string, durable: boolean): void {
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  const fd = withUmask(0o177, () => openSync(tmp, 'w', 0o600));
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
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #boot = bootId();
  #mutex: DatabaseSync | undefined;

  constructor(options: LocalCoordinatorOptions) {
    this.ttlMs = options.ttlMs;
    this.#dir = resolve(options.dir, options.cluster);
    this.#stateFile = join(this.#dir, 'state.json');
    this.#tokenFile = join(this.#dir, 'token');
    this.#clock = options.clock ?? systemClock;
    this.#pollMs = options.pollMs ?? Math.min(100, options.ttlMs / 10);
  }

  async connect(): Promise<void> {
    try {
      await this.read();
    } catch (err) {
      if (err instanceof FailoverError) throw err;
      throw new FailoverError(
        'HOLDFAST_E_LOCAL_STATE',
        `cannot use ${this.#dir}: ${(err as Error).message}. Check coordinator.dir exists and is writable by the agent`,
        { dir: this.#dir },
        { cause: err },
      );
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
      const last = s.term;
      const previous = last
        ? { node: last.node, token: last.token, expired: !last.released, ...(last.campaign ? { campaign: last.campaign } : {}) }
        : null;
      const campaign = candidate.campaign ? { campaign: candidate.campaign } : {};
      const leaseId = randomUUID();
      s.revision++;
      s.leader = {
        node: candidate.node,
        token,
        leaseId,
        priority: candidate.priority,
        expiresAt: this.#clock.now() + this.ttlMs,
        ttlMs: this.ttlMs,
        ...campaign,
      };
      if (candidate.statusAddress) s.leader.statusAddress = candidate.statusAddress;
      s.term = { node: candidate.node, token, released: false, ...campaign };
      this.#write(s, true);
      return { won: true, term: { node: candidate.node, token, leaseId, revision: s.revision, ttlMs: this.ttlMs, previous, ...campaign } };
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
      s.term = { node: term.node, token: term.token, released: true, ...(term.campaign ? { campaign: term.campaign } : {}) };
      this.#write(s, true);
    });
  }

  /**
   * Ends the lease `leaseId` now, as etcd's lease revoke does: its record goes and its term
   * counts as expired (the next winner fences it). The fence companion calls it for an agent
   * verified dead whose resources it tore down (fence/release.ts). False when it was not the
   * record's lease any more.
   */
  revoke(leaseId: string): Promise<boolean> {
    return this.#locked((s) => {
      if (s.leader?.leaseId !== leaseId) return false;
      s.revision++;
      s.leader = null;
      this.#write(s, true);
      return true;
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
      if (request.fromToken !== undefined && s.leader?.token !== request.fromToken) {
        throw new FailoverError(
          'HOLDFAST_E_SWITCHOVER',
          `token ${request.fromToken} no longer leads ` +
            `(${s.leader ? `token ${s.leader.token} ` + `of ${s.leader.node} ` + `does` : 'no leader now'}); ask again`,
        );
      }
      s.revision++;
      s.switchover = { request, expiresAt: this.#clock.now() + ttlMs };
      this.#write(s, false);
    });
  }

  clearSwitchover(term: Term): Promise<void> {
    return this.#locked((s) => {
      // A leader write: only while `term` still holds the record.
      if (!s.switchover || s.leader?.leaseId !== term.leaseId) return;
      s.revision++;
      s.switchover = null;
      this.#write(s, false);
    });
  }

  async close(): Promise<void> {
    this.#mutex?.close();
    this.#mutex = undefined;
  }

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

  /** Loads the state and expires what is due (writing it back). */
  #load(): State {
    const text = readText(this.#stateFile);
    let s: State = { revision: 0, boot: this.#boot, leader: null, term: null, switchover: null };
    if (text) {
      try {
        s = JSON.parse(text) as State;
      } catch {
        throw new FailoverError(
          'HOLDFAST_E_LOCAL_STATE',
          `${this.#stateFile} is corrupt. Stop the agents and delete it (keep the 'token' file: it keeps fencing tokens increasing)`,
          { file: this.#stateFile },
        );
      }
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
    const unlock = await this.#acquire();
    try {
      return fn(this.#load());
    } finally {
      unlock();
    }
  }

  /** The mutex file, opened once: in the private state directory, created 0600. */
  #mutexDb(): DatabaseSync {
    if (this.#mutex) return this.#mutex;
    ensurePrivateDir(this.#dir, 'coordinator.dir', 'HOLDFAST_E_LOCAL_STATE');
    try {
      const db = withUmask(0o177, () => new DatabaseSync(join(this.#dir, 'mutex.db')));
      db.exec('PRAGMA busy_timeout = 0'); // never block the event loop waiting: retry from a timer
      this.#mutex = db;
      return db;
    } catch (err) {
      throw new FailoverError(
        'HOLDFAST_E_LOCAL_STATE',
        `cannot open the local coordinator mutex ` +
          `in ${this.#dir}: ${(err as Error).message}. Check coordinator.dir is ` +
          `writable by the agent`,
        { dir: this.#dir },
        { cause: err },
      );
    }
  }

  /** Takes the mutex (an exclusive lock on mutex.db); resolves with the function that releases it. */
  async #acquire(): Promise<() => void> {
    const db = this.#mutexDb();
    const started = this.#clock.now();
    for (let attempt = 0; ; attempt++) {
      try {
        db.exec('BEGIN EXCLUSIVE');
        return () => db.exec('COMMIT');
      } catch (err) {
        if (!busy(err)) {
          throw new FailoverError(
            'HOLDFAST_E_LOCAL_STATE',
            `cannot take the local coordinator mutex in ${this.#dir}: ${(err as Error).message}`,
            { dir: this.#dir },
            { cause: err },
          );
        }
        if (this.#clock.now() - started > this.ttlMs) {
          throw new FailoverError(
            'HOLDFAST_E_COORDINATOR',
            `the local coordinator mutex for ${this.#dir} has been busy for ${this.ttlMs} ms (is an agent stopped inside it?)`,
          );
        }
        await new Promise<void>((r) => this.#clock.setTimeout(r, 1 + Math.min(attempt, 10) * Math.random()));
      }
    }
  }
}
