// A fake coordinator for unit tests on virtual time (exported as @holdfast/failover/testing, never
// from the package's main entry): one simulated linearizable server (lease
// table, leader record, revision counter) and a simulated network per node with latency,
// partitions and loss. It keeps the history of every term (when the server created and ended
// each leader record), which is what the safety checks compare the nodes' actions against.
// The server's clock may run at its own rate (clock-rate drift) and can extend every lease at
// once, as etcd does when its raft leader changes.
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
} from '../coordinator/coordinator.ts';
import { FailoverError } from '../errors.ts';
import type { NodeClock, VirtualTime } from './virtual-time.ts';

export interface FakeTermRecord {
  token: number;
  node: string;
  leaseId: string;
  /** True time the server created the leader record. */
  start: number;
  /** True time the server deleted it (expiry or resign); Infinity while it exists. */
  end: number;
  how: 'active' | 'expired' | 'released';
}

interface Lease {
  ttlMs: number;
  expiresAt: number;
}

interface Link {
  latencyMs: number;
  partitioned: boolean;
  /** Probability that a message in either direction is lost. */
  loss: number;
}

export interface FakeServerOptions {
  /** Server clock rate relative to true time (1.01 = its clock runs 1 % fast, so leases end earlier in true time). */
  rate?: number;
  /** Smallest TTL the server grants (etcd rounds smaller requests up). */
  minTtlMs?: number;
  /** Deterministic randomness for loss. */
  random?: () => number;
}

export class FakeCoordinatorServer {
  readonly vt: VirtualTime;
  readonly rate: number;
  readonly minTtlMs: number;
  readonly terms: FakeTermRecord[] = [];
  revision = 0;
  #leader: LeaderInfo | null = null;
  #switchover: { request: SwitchoverRequest; expiresAt: number } | null = null;
  #leases = new Map<string, Lease>();
  #lastTerm: { node: string; token: number; released: boolean; campaign?: string } | null = null;
  /** Replies to lose once the server has applied the request (a client timeout on a committed write). */
  #dropReplies = new Map<string, Set<string>>();
  #nextLease = 1;
  #links = new Map<string, Link>();
  #watchers = new Set<{ node: string; clock: NodeClock; onChange: (v: ClusterView) => void }>();
  readonly #random: () => number;

  constructor(vt: VirtualTime, options: FakeServerOptions = {}) {
    this.vt = vt;
    this.rate = options.rate ?? 1;
    this.minTtlMs = options.minTtlMs ?? 0;
    this.#random = options.random ?? Math.random;
  }

  link(node: string): Link {
    let l = this.#links.get(node);
    if (!l) this.#links.set(node, (l = { latencyMs: 2, partitioned: false, loss: 0 }));
    return l;
  }

  /** Cuts `node` off (requests and responses in flight are lost) or heals it (watchers get the current view). */
  partition(node: string, on: boolean): void {
    this.link(node).partitioned = on;
    if (!on) for (const w of this.#watchers) if (w.node === node) this.#deliver(w);
  }

  /** The next `op` request of `node` is applied by the server but its reply is lost (the outcome is unknown to the node). */
  dropReply(node: string, op: 'campaign' | 'keepAlive' | 'resign' | 'read'): void {
    let ops = this.#dropReplies.get(node);
    if (!ops) this.#dropReplies.set(node, (ops = new Set()));
    ops.add(op);
  }

  /** Ends a lease now, as `etcdctl lease revoke` does: its record goes, the term counts as expired (not released). */
  revoke(leaseId: string): void {
    if (!this.#leases.delete(leaseId)) return;
    if (this.#leader?.leaseId === leaseId) this.#endTerm('expired');
  }

  /** What etcd does on a raft leader change: every lease restarts its full TTL. */
  extendAllLeases(): void {
    for (const lease of this.#leases.values()) lease.expiresAt = Math.max(lease.expiresAt, this.vt.now + lease.ttlMs / this.rate);
  }

  /** The term whose record existed at true time `t`, if any. */
  termAt(t: number): FakeTermRecord | undefined {
    return this.terms.find((r) => r.start <= t && t < r.end);
  }

  view(): ClusterView {
    this.#sweep();
    return {
      revision: this.revision,
      leader: this.#leader ? { ...this.#leader } : null,
      switchover: this.#switchover ? { ...this.#switchover.request } : null,
    };
  }

  /** A Coordinator for one node, reaching this server over its own simulated link. */
  client(node: string, clock: NodeClock, ttlMs: number): Coordinator {
    const rpc = <T>(op: () => T, name = ''): Promise<T> => this.#rpc(node, clock, op, name);
    return {
      kind: 'fake',
      ttlMs,
      connect: () => rpc(() => undefined),
      read: () => rpc(() => this.view(), 'read'),
      campaign: (c: Candidate) => rpc(() => this.#campaign(c, ttlMs), 'campaign'),
      keepAlive: (t: Term) => rpc(() => this.#keepAlive(t), 'keepAlive'),
      resign: (t: Term) => rpc(() => this.#resign(t), 'resign'),
      observe: (onChange) => {
        const w = { node, clock, onChange };
        this.#watchers.add(w);
        return () => this.#watchers.delete(w);
      },
      requestSwitchover: (request, ms) =>
        rpc(() => {
          if (request.fromToken !== undefined && this.#leader?.token !== request.fromToken) {
            throw new FailoverError('HOLDFAST_E_SWITCHOVER', `token ${request.fromToken} no longer leads`);
          }
          this.#switchover = { request, expiresAt: this.vt.now + ms / this.rate };
          this.vt.at(this.#switchover.expiresAt + 0.001, () => this.#sweep());
          this.#changed();
        }),
      clearSwitchover: (term: Term) =>
        rpc(() => {
          // A leader write: applied only while its record is the current one.
          if (!this.#switchover || this.#leader?.token !== term.token) return;
          this.#switchover = null;
          this.#changed();
        }),
      close: async () => {},
    };
  }

  #rpc<T>(node: string, clock: NodeClock, op: () => T, name: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const link = this.link(node);
      // A lost message is never answered, like a request into a partition: the caller's timeout decides.
      if (link.partitioned || this.#random() < link.loss) return;
      this.vt.at(this.vt.now + link.latencyMs, () => {
        if (link.partitioned) return;
        let outcome: { ok: true; value: T } | { ok: false; error: unknown };
        try {
          outcome = { ok: true, value: op() };
        } catch (error) {
          outcome = { ok: false, error };
        }
        if (this.#random() < link.loss) return;
        const drop = this.#dropReplies.get(node);
        if (drop?.delete(name)) return;
        this.vt.at(this.vt.now + link.latencyMs, () => {
          if (link.partitioned) return;
          clock.run(() => (outcome.ok ? resolve(outcome.value) : reject(outcome.error as Error)));
        });
      });
    });
  }

  #grant(requestedTtl: number): { id: string; lease: Lease } {
    const ttlMs = Math.max(requestedTtl, this.minTtlMs);
    const id = `lease-${this.#nextLease++}`;
    const lease = { ttlMs, expiresAt: this.vt.now + ttlMs / this.rate };
    this.#leases.set(id, lease);
    this.#scheduleSweep(lease);
    return { id, lease };
  }

  #scheduleSweep(lease: Lease): void {
    this.vt.at(lease.expiresAt + 0.001, () => this.#sweep());
  }

  /** Expires leases (and the record bound to one) whose time is up on the server's clock. */
  #sweep(): void {
    const now = this.vt.now;
    for (const [id, lease] of this.#leases) {
      if (lease.expiresAt > now) continue;
      this.#leases.delete(id);
      if (this.#leader?.leaseId === id) this.#endTerm('expired');
    }
    if (this.#switchover && this.#switchover.expiresAt <= now) {
      this.#switchover = null;
      this.#changed();
    }
  }

  #endTerm(how: 'expired' | 'released'): void {
    const leader = this.#leader;
    if (!leader) return;
    const rec = this.terms.find((r) => r.token === leader.token);
    if (rec) {
      rec.end = this.vt.now;
      rec.how = how;
    }
    if (this.#lastTerm) this.#lastTerm.released = how === 'released';
    this.#leader = null;
    this.#changed();
  }

  #campaign(c: Candidate, ttlMs: number): CampaignResult {
    this.#sweep();
    const { id, lease } = this.#grant(ttlMs);
    if (this.#leader) {
      this.#leases.delete(id);
      return { won: false, view: this.view() };
    }
    const token = ++this.revision;
    const last = this.#lastTerm;
    const previous = last
      ? { node: last.node, token: last.token, expired: !last.released, ...(last.campaign ? { campaign: last.campaign } : {}) }
      : null;
    const campaign = c.campaign ? { campaign: c.campaign } : {};
    this.#leader = { node: c.node, token, leaseId: id, priority: c.priority, ...campaign };
    this.#lastTerm = { node: c.node, token, released: false, ...campaign };
    this.terms.push({ token, node: c.node, leaseId: id, start: this.vt.now, end: Infinity, how: 'active' });
    this.#notify();
    return { won: true, term: { node: c.node, token, leaseId: id, revision: token, ttlMs: lease.ttlMs, previous, ...campaign } };
  }

  #keepAlive(term: Term): KeepAliveAck {
    this.#sweep();
    const lease = this.#leases.get(term.leaseId);
    if (!lease) throw new LeaseLostError(`lease ${term.leaseId} has expired`);
    if (this.#leader?.token !== term.token) throw new LeaseLostError(`the leader record is no longer token ${term.token}`);
    lease.expiresAt = Math.max(lease.expiresAt, this.vt.now + lease.ttlMs / this.rate);
    this.#scheduleSweep(lease);
    return { ttlMs: lease.ttlMs };
  }

  #resign(term: Term): void {
    this.#sweep();
    if (this.#leader?.token === term.token) this.#endTerm('released');
    this.#leases.delete(term.leaseId);
  }

  #changed(): void {
    this.revision++;
    this.#notify();
  }

  #notify(): void {
    for (const w of this.#watchers) this.#deliver(w);
  }

  #deliver(w: { node: string; clock: NodeClock; onChange: (v: ClusterView) => void }): void {
    const link = this.link(w.node);
    const view = this.view();
    this.vt.at(this.vt.now + link.latencyMs, () => {
      if (link.partitioned || !this.#watchers.has(w)) return;
      w.clock.run(() => w.onChange(view));
    });
  }
}
