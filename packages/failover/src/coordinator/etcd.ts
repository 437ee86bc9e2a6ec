// The etcd backend. The etcd3 client is used only for KV, lease, watch and txn — not its
// Election helper, whose keep-alive loop reports a lost lease only after 2 × TTL of wall-clock
// time, long after another node may have won.
//
// Keys (under <prefix>/<cluster>/):
//   leader      the leader record, bound to the leader's lease; its create revision is the
//               fencing token (etcd revisions only grow, so tokens strictly increase)
//   term        {node, released} of the latest term, written in the same txn as the leader
//               record: the next winner reads it atomically to learn whether the previous
//               lease was released (no fencing needed) or ran out (run the fence hook)
//   switchover  a pending planned switchover, bound to its own short lease
//
// The fencing token is the leader key's create revision (the revision of the winning txn), the
// one number a term is known by: it goes to resources and programs as HOLDFAST_FENCING_TOKEN,
// and every write the leader makes afterwards (resign, clearing a switchover) is a txn guarded by
// CreateRevision(leader) == token, so a write of a term that has ended changes nothing. A
// switchover request is guarded the same way by the token it was made against.
//
// At connect the agent reads the etcd version and member count: a multi-member cluster on a
// build with the early lease-revoke bug gets a warning naming the release to upgrade to
// (etcd-version.ts).
import type { Etcd3, IEvent, IKeyValue, Watcher } from 'etcd3';
import { boundedCall, createEtcdClient, keepAliveOnce, rangeEnd } from './etcd-client.ts';
import { earlyRevokeWarning, type EtcdServerInfo } from './etcd-version.ts';
import { FailoverError } from '../errors.ts';
import { systemClock, type Clock } from '../clock.ts';
import {
  LeaseLostError,
  decodeLeader,
  decodeSwitchover,
  encodeLeader,
  type Candidate,
  type CampaignResult,
  type ClusterView,
  type Coordinator,
  type KeepAliveAck,
  type PreviousTerm,
  type SwitchoverRequest,
  type Term,
} from './coordinator.ts';

export interface EtcdCoordinatorOptions {
  endpoints: string[];
  cluster: string;
  /** Key prefix; default /holdfast/failover. */
  prefix?: string;
  ttlMs: number;
  /** Bound on one request once running (default: half the TTL). */
  requestTimeoutMs?: number;
  /**
   * Start-up budget of connect() (default 5 s): the first request also sets up the connection,
   * which on a loaded host can take longer than a steady-state request may. Retried until then.
   */
  connectTimeoutMs?: number;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  auth?: { username: string; password: string };
  /** Told once when etcd grants a longer TTL than asked for (its minimum is ceil(1.5 × election timeout)). */
  onWarning?: (message: string, details: Record<string, unknown>) => void;
  clock?: Clock;
}

export class EtcdCoordinator implements Coordinator {
  readonly kind = 'etcd';
  readonly ttlMs: number;
  readonly #o: EtcdCoordinatorOptions;
  readonly #client: Etcd3;
  readonly #keys: { leader: Buffer; term: Buffer; switchover: Buffer; prefix: string };
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  #warnedTtl = false;
  #server: EtcdServerInfo | undefined;

  constructor(options: EtcdCoordinatorOptions) {
    this.#o = options;
    this.ttlMs = Math.ceil(options.ttlMs / 1000) * 1000;
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = options.requestTimeoutMs ?? Math.max(250, options.ttlMs / 2);
    const base = `${(options.prefix ?? '/holdfast/failover').replace(/\/+$/, '')}/${options.cluster}/`;
    this.#keys = {
      prefix: base,
      leader: Buffer.from(`${base}leader`),
      term: Buffer.from(`${base}term`),
      switchover: Buffer.from(`${base}switchover`),
    };
    this.#client = createEtcdClient({
      endpoints: options.endpoints,
      ttlMs: options.ttlMs,
      dialTimeoutMs: this.#timeoutMs,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.auth ? { auth: options.auth } : {}),
    });
  }

  /**
   * One successful linearizable read within the start-up budget, retried while the budget lasts
   * (etcd starting, a connection slow to set up on a loaded host). Leadership timing does not
   * depend on it: every later request has the steady-state timeout.
   */
  async connect(): Promise<void> {
    const budget = this.#o.connectTimeoutMs ?? 5000;
    const end = this.#clock.now() + budget;
    for (;;) {
      const left = end - this.#clock.now();
      try {
        await this.#read(Math.max(1, left));
        await this.#checkServer(Math.max(250, end - this.#clock.now()));
        return;
      } catch (err) {
        const wait = Math.min(250, end - this.#clock.now());
        if (wait <= 0) {
          throw new FailoverError(
            'HOLDFAST_E_COORDINATOR_UNREACHABLE',
            `etcd at ${this.#o.endpoints.join(', ')} did not answer ` +
              `within ${Math.round(budget)} ms ` +
              (`(${(err as Error).message}). Check that etcd runs and that coordinator.endpoints lists its client URLs ` +
                `(or raise coordinator.connectTimeout); no leadership was taken`),
            { endpoints: this.#o.endpoints },
            { cause: err },
          );
        }
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, wait));
      }
    }
  }

  /** The etcd version and voting member count read at connect (undefined if they could not be read). */
  get server(): EtcdServerInfo | undefined {
    return this.#server;
  }

  /** Reads the version and member count; warns about a cluster exposed to early lease revokes (etcd-version.ts). */
  async #checkServer(timeoutMs: number): Promise<void> {
    try {
      const [status, list] = await Promise.all([
        this.#call('status', () => this.#client.maintenance.status(), timeoutMs),
        this.#call('member list', () => this.#client.cluster.memberList({ linearizable: true }), timeoutMs),
      ]);
      this.#server = { version: status.version, members: list.members.filter((m) => !m.isLearner).length };
    } catch (err) {
      this.#o.onWarning?.(
        `could not read the etcd version and member count ` +
          `(${(err as Error).message}): make sure a multi-member etcd ` +
          `runs 3.4.31, 3.5.13, 3.6.0 or later (the early lease-revoke bug, etcd-io/etcd#15247)`,
        { endpoints: this.#o.endpoints },
      );
      return;
    }
    const warning = earlyRevokeWarning(this.#server);
    if (warning) this.#o.onWarning?.(warning, { etcdVersion: this.#server.version, members: this.#server.members });
  }

  read(): Promise<ClusterView> {
    return this.#read(this.#timeoutMs);
  }

  async #read(timeoutMs: number): Promise<ClusterView> {
    const res = await this.#call(
      'read',
      () => this.#client.kv.range({ key: Buffer.from(this.#keys.prefix), range_end: Buffer.from(rangeEnd(this.#keys.prefix)) }),
      timeoutMs,
    );
    return this.#view(Number(res.header.revision), res.kvs);
  }

  async campaign(candidate: Candidate): Promise<CampaignResult> {
    const grant = await this.#call('lease grant', () => this.#client.leaseClient.leaseGrant({ TTL: this.ttlMs / 1000 }));
    const ttlMs = Number(grant.TTL) * 1000;
    if (ttlMs > this.ttlMs && !this.#warnedTtl) {
      this.#warnedTtl = true;
      this.#o.onWarning?.(
        `etcd granted ` +
          `a ${ttlMs / 1000} s lease for the ` +
          `requested ${this.ttlMs / 1000} s: its minimum lease TTL is ` +
          `ceil(1.5 × election timeout). Failover will take ` +
          `about ${ttlMs / 1000} s; start etcd with a shorter --election-timeout (≤ 600 ms for a 1 s TTL) or use a longer profile`,
        { requestedTtlMs: this.ttlMs, grantedTtlMs: ttlMs },
      );
    }
    const txn = await this.#call('campaign', () =>
      this.#client.kv.txn({
        compare: [{ key: this.#keys.leader, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [
          { request_range: { key: this.#keys.term } },
          { request_put: { key: this.#keys.leader, value: Buffer.from(encodeLeader(candidate)), lease: grant.ID } },
          {
            request_put: {
              key: this.#keys.term,
              value: Buffer.from(JSON.stringify({ node: candidate.node, campaign: candidate.campaign, released: false })),
            },
          },
        ],
        failure: [{ request_range: { key: Buffer.from(this.#keys.prefix), range_end: Buffer.from(rangeEnd(this.#keys.prefix)) } }],
      }),
    );
    // A txn that failed or timed out may still have committed: its lease is left alone (revoking
    // it would end such a record as "expired", so the next winner would fence this node for a
    // term it never used). leadership.ts resolves the outcome by reading the record (S7).
    const revision = Number(txn.header.revision);
    if (!txn.succeeded) {
      await this.#revoke(grant.ID);
      return { won: false, view: this.#view(revision, txn.responses[0]?.response_range.kvs ?? []) };
    }
    const prevKv = txn.responses[0]?.response_range.kvs[0];
    let previous: PreviousTerm | null = null;
    if (prevKv) {
      try {
        const p = JSON.parse(prevKv.value.toString()) as { node?: string; token?: number; released?: boolean; campaign?: string };
        // A campaign writes the term key in the same txn as the leader record, so its mod revision
        // is that term's token; a resign rewrites it and records the token explicitly.
        previous = {
          node: String(p.node),
          token: typeof p.token === 'number' ? p.token : Number(prevKv.mod_revision),
          expired: p.released !== true,
        };
        if (typeof p.campaign === 'string') previous.campaign = p.campaign;
      } catch {}
    }
    // The put's create revision is the txn's revision: the fencing token.
    return {
      won: true,
      term: {
        node: candidate.node,
        token: revision,
        leaseId: grant.ID,
        revision,
        ttlMs,
        previous,
        ...(candidate.campaign ? { campaign: candidate.campaign } : {}),
      },
    };
  }

  async keepAlive(term: Term): Promise<KeepAliveAck> {
    // Renew and, in parallel, confirm linearizably that the record is still ours: an operator
    // may have deleted the key while the lease lives on.
    const [ttl, record] = await Promise.all([
      this.#call('keep-alive', () => this.#keepAliveOnce(term.leaseId)),
      this.#call('leader check', () => this.#client.kv.range({ key: this.#keys.leader })),
    ]);
    if (ttl <= 0) throw new LeaseLostError(`etcd reports lease ${term.leaseId} expired or revoked`);
    const kv = record.kvs[0];
    if (!kv || Number(kv.create_revision) !== term.token || kv.lease !== term.leaseId) {
      throw new LeaseLostError(kv ? `the leader key now belongs to token ${kv.create_revision}` : 'the leader key was deleted');
    }
    return { ttlMs: ttl * 1000 };
  }

  async resign(term: Term): Promise<void> {
    await this.#call('resign', () =>
      this.#client.kv.txn({
        compare: [{ key: this.#keys.leader, target: 'Create', result: 'Equal', create_revision: term.token }],
        success: [
          {
            request_put: {
              key: this.#keys.term,
              value: Buffer.from(JSON.stringify({ node: term.node, token: term.token, campaign: term.campaign, released: true })),
            },
          },
          { request_delete_range: { key: this.#keys.leader } },
        ],
        failure: [],
      }),
    );
    await this.#revoke(term.leaseId);
  }

  observe(onChange: (view: ClusterView) => void): () => void {
    let closed = false;
    let watcher: Watcher | undefined;
    // The newest view known: a linearizable read, with the watch's events applied on top. The
    // watch is created before the first read and delivers every later change in order, so an
    // event newer than the view is exactly the next change: a deleted leader key is acted on
    // (a campaign) the moment its event arrives, without another round trip.
    let latest: ClusterView | undefined;
    const deliver = (view: ClusterView) => {
      if (closed || (latest && view.revision < latest.revision)) return;
      latest = view;
      onChange(view);
    };
    const refresh = () => {
      if (closed) return;
      this.read().then(deliver, () => {});
    };
    this.#client
      .watch()
      .prefix(this.#keys.prefix)
      .create()
      .then(
        (w) => {
          if (closed) return void w.cancel().catch(() => {});
          watcher = w;
          w.on('data', (res) => {
            if (latest) {
              const next = this.#applyEvents(latest, res.events);
              if (next !== latest) deliver(next);
            }
            refresh(); // and confirm with a read (a reconnect may have skipped events)
          });
          // After a reconnect events may have been missed: only a read is trusted then.
          w.on('connected', () => {
            latest = undefined;
            refresh();
          });
          w.on('error', () => {});
          refresh();
        },
        () => {},
      );
    return () => {
      closed = true;
      void watcher?.cancel().catch(() => {});
    };
  }

  /** `view` with the watch events newer than it applied, in order (the same object when none is newer). */
  #applyEvents(view: ClusterView, events: IEvent[]): ClusterView {
    let next = view;
    for (const ev of events) {
      const revision = Number(ev.kv.mod_revision);
      if (revision <= view.revision) continue; // already in the view (events of one txn share a revision)
      const key = ev.kv.key.toString();
      const put = ev.type === 'Put';
      next = { ...next, revision };
      if (key === this.#keys.leader.toString())
        next.leader = put ? decodeLeader(ev.kv.value.toString(), Number(ev.kv.create_revision), ev.kv.lease) : null;
      else if (key === this.#keys.switchover.toString()) next.switchover = put ? decodeSwitchover(ev.kv.value.toString()) : null;
    }
    return next;
  }

  async requestSwitchover(request: SwitchoverRequest, ttlMs: number): Promise<void> {
    const grant = await this.#call('lease grant', () => this.#client.leaseClient.leaseGrant({ TTL: Math.max(1, Math.ceil(ttlMs / 1000)) }));
    const put = { request_put: { key: this.#keys.switchover, value: Buffer.from(JSON.stringify(request)), lease: grant.ID } };
    // Only against the leader it names: a request made against a term that has ended is refused.
    const guard =
      request.fromToken === undefined
        ? []
        : [{ key: this.#keys.leader, target: 'Create' as const, result: 'Equal' as const, create_revision: request.fromToken }];
    const txn = await this.#call('switchover', () => this.#client.kv.txn({ compare: guard, success: [put], failure: [] })).catch(
      async (err: unknown) => {
        await this.#revoke(grant.ID);
        throw err;
      },
    );
    if (!txn.succeeded) {
      await this.#revoke(grant.ID);
      throw new FailoverError(
        'HOLDFAST_E_SWITCHOVER',
        `token ${request.fromToken} no longer leads cluster '${this.#o.cluster}'; ask again against the current leader`,
        { fromToken: request.fromToken },
      );
    }
  }

  async clearSwitchover(term: Term): Promise<void> {
    // A leader write: a txn guarded by the record still being the one of `term`.
    await this.#call('switchover clear', () =>
      this.#client.kv.txn({
        compare: [{ key: this.#keys.leader, target: 'Create', result: 'Equal', create_revision: term.token }],
        success: [{ request_delete_range: { key: this.#keys.switchover } }],
        failure: [],
      }),
    );
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  #view(revision: number, kvs: IKeyValue[]): ClusterView {
    const view: ClusterView = { revision, leader: null, switchover: null };
    for (const kv of kvs) {
      const key = kv.key.toString();
      if (key === this.#keys.leader.toString()) view.leader = decodeLeader(kv.value.toString(), Number(kv.create_revision), kv.lease);
      else if (key === this.#keys.switchover.toString()) view.switchover = decodeSwitchover(kv.value.toString());
    }
    return view;
  }

  #keepAliveOnce(leaseId: string): Promise<number> {
    return keepAliveOnce(this.#client, this.#clock, leaseId, this.#timeoutMs);
  }

  async #revoke(id: string): Promise<void> {
    await this.#call('lease revoke', () => this.#client.leaseClient.leaseRevoke({ ID: id })).catch(() => {});
  }

  #call<T>(what: string, fn: () => Promise<T>, timeoutMs = this.#timeoutMs): Promise<T> {
    return boundedCall(this.#clock, what, fn, timeoutMs);
  }
}
