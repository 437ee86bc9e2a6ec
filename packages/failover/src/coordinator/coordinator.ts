// The one abstract coordinator (in the shape of Patroni's dcs/__init__.py): the linearizable
// service that decides who leads. A backend implements these few calls; everything about
// timing, demotion and safety lives in leadership.ts and is the same for every backend.
//
// Semantics every backend guarantees:
//   - campaign() creates the leader record only if none exists, bound to a fresh lease of
//     `ttlMs`; the winner gets a fencing token strictly greater than every earlier token of this
//     cluster (etcd: the leader key's create revision; local: a counter persisted with fsync).
//   - the record disappears when its lease expires (no keepAlive for ttl) or on resign().
//   - keepAlive() renews the lease AND confirms, linearizably, that the record is still ours.
//     It resolves only if both hold at some instant after the call was made; it rejects with
//     LeaseLostError when the lease or record is gone, with any other error when the outcome is
//     unknown (timeout, network).
//   - the lease never expires earlier than ttl after the server processed the renewal, measured
//     on the server's clock (it may expire later: etcd extends leases on a leader change). An
//     etcd with the early-revoke bug (etcd-io/etcd#15247) breaks this; etcd.ts warns at connect.
//   - every write a leader makes (resign, clearing a switchover) applies only while the record
//     it names is still the one created for its token (etcd: a txn guarded by
//     CreateRevision(leader) == token), so a stale leader's late write changes nothing.
//   - the candidate's `campaign` id is stored in the record and in the term that follows it, so
//     a node whose campaign outcome is unknown can tell its own record by reading it.
import { FailoverError } from '../errors.ts';
import type { FencingToken } from '../resources/resource.ts';

/** What the leader record says. */
export interface LeaderInfo {
  node: string;
  token: FencingToken;
  /** Backend's lease id (opaque). */
  leaseId: string;
  priority: number;
  /** Where the leader's agent answers status requests, when it published one. */
  statusAddress?: string;
  /** Id of the campaign that created the record (S7 in leadership.ts). */
  campaign?: string;
}

/** A pending planned switchover (`holdfast failover switchover --to <node>`). */
export interface SwitchoverRequest {
  to: string;
  /** The leader it was requested against (its token), so a stale request does not move a later leader. */
  fromToken?: FencingToken;
  requestedBy: string;
}

/** What a node may know about the cluster, as of one linearizable read or watch event. */
export interface ClusterView {
  /** Backend revision this view reflects (etcd: store revision; local: change counter). Views never go backwards. */
  revision: number;
  leader: LeaderInfo | null;
  switchover: SwitchoverRequest | null;
}

/** How the previous term ended, learned atomically by the winner of a campaign. */
export interface PreviousTerm {
  node: string;
  token: FencingToken;
  /** True when its lease ran out instead of being released: the old leader may still be alive and must be fenced. */
  expired: boolean;
  /** Id of the campaign that won that term, when the backend recorded it. */
  campaign?: string;
}

/** A won campaign: everything leadership.ts needs to run the term. */
export interface Term {
  node: string;
  token: FencingToken;
  leaseId: string;
  /** Backend revision at which the record was created (etcd: equal to the token). */
  revision: number;
  /** TTL the server actually granted (etcd may round up: the local deadline uses this). */
  ttlMs: number;
  previous: PreviousTerm | null;
  /** Id of the campaign that won it. */
  campaign?: string;
}

export interface Candidate {
  node: string;
  priority: number;
  statusAddress?: string;
  /** A fresh id per campaign (leadership.ts sets it), stored with the record and the term. */
  campaign?: string;
}

export type CampaignResult = { won: true; term: Term } | { won: false; view: ClusterView };

/** The acknowledgement of one keep-alive: the lease's TTL as the server just renewed it. */
export interface KeepAliveAck {
  ttlMs: number;
}

export interface Coordinator {
  /** 'etcd', 'local', 'fake'. */
  readonly kind: string;
  /** Requested lease TTL. */
  readonly ttlMs: number;
  /** Checks the backend answers (one linearizable read). Throws HOLDFAST_E_COORDINATOR_UNREACHABLE with the fix otherwise. */
  connect(): Promise<void>;
  /** A linearizable read of the leader record and any pending switchover. */
  read(): Promise<ClusterView>;
  /** Grant a lease and create the leader record if absent. */
  campaign(candidate: Candidate): Promise<CampaignResult>;
  /** Renew the lease and confirm the record is still ours (see the semantics above). */
  keepAlive(term: Term): Promise<KeepAliveAck>;
  /** Delete the record (marking the term released, so no one fences us) and revoke the lease. Idempotent. */
  resign(term: Term): Promise<void>;
  /** Calls `onChange` with a fresh view whenever the leader record or the switchover request changes. Returns an unsubscribe. */
  observe(onChange: (view: ClusterView) => void): () => void;
  /**
   * Asks the current leader to hand over to `request.to`; expires by itself after `ttlMs`. Refused
   * (HOLDFAST_E_SWITCHOVER) when `fromToken` no longer leads.
   */
  requestSwitchover(request: SwitchoverRequest, ttlMs: number): Promise<void>;
  /**
   * Removes the switchover request (done by its target once it leads, or by the leader when refusing
   * it), only while `term` still holds the record.
   */
  clearSwitchover(term: Term): Promise<void>;
  close(): Promise<void>;
}

/** keepAlive found the lease or the leader record gone: leadership is over for certain. */
export class LeaseLostError extends FailoverError {
  constructor(detail: string) {
    super('HOLDFAST_E_LEASE_LOST', detail);
    this.name = 'LeaseLostError';
  }
}

/** Leader values as stored by backends (JSON). */
export function encodeLeader(candidate: Candidate): string {
  return JSON.stringify({
    node: candidate.node,
    priority: candidate.priority,
    statusAddress: candidate.statusAddress,
    campaign: candidate.campaign,
  });
}

export function decodeLeader(raw: string, token: FencingToken, leaseId: string): LeaderInfo {
  let v: Partial<Candidate> = {};
  try {
    v = JSON.parse(raw) as Partial<Candidate>;
  } catch {}
  const info: LeaderInfo = {
    node: typeof v.node === 'string' ? v.node : '(unknown)',
    token,
    leaseId,
    priority: typeof v.priority === 'number' ? v.priority : 0,
  };
  if (typeof v.statusAddress === 'string') info.statusAddress = v.statusAddress;
  if (typeof v.campaign === 'string') info.campaign = v.campaign;
  return info;
}

export function decodeSwitchover(raw: string): SwitchoverRequest | null {
  try {
    const v = JSON.parse(raw) as Partial<SwitchoverRequest>;
    if (typeof v.to !== 'string') return null;
    const r: SwitchoverRequest = { to: v.to, requestedBy: typeof v.requestedBy === 'string' ? v.requestedBy : '(unknown)' };
    if (typeof v.fromToken === 'number') r.fromToken = v.fromToken;
    return r;
  } catch {
    return null;
  }
}
