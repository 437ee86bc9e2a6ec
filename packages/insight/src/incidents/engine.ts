// The incident engine: the shell around the state machine. A signal is classified by the
// knowledge base, fingerprinted, and either counted into the incident it belongs to or opens
// (or reopens) one; the machine's effects are carried out here: history, notifications through
// the router, the quiet-period sweep, the knowledge base's action. Everything is synchronous up
// to the store batch and the HTTP deliveries, so ingest is a few map lookups per signal.
import { InsightError } from '../errors.ts';
import { Classifier } from '../knowledge/classify.ts';
import type { KnowledgeBase } from '../knowledge/entry.ts';
import { Deliverer } from '../notify/deliver.ts';
import type { NotificationRecord } from '../notify/record.ts';
import { Router, type RouterClock } from '../notify/router.ts';
import type { Silence } from '../notify/silence.ts';
import type { ProbableCause } from '../rootcause/types.ts';
import type { IncidentsConfig } from './config.ts';
import { fingerprint, GROUPINGS, type Grouping, type Groupings, type GroupingVersion } from './fingerprint.ts';
import { describeFrom, RECENT_MAX, type HistoryEntry, type Incident } from './incident.ts';
import { acceptsIncident, openIncident, transitionIncident } from './machine.ts';
import { Persister, type StoreHealth } from './persister.ts';
import { occurredIn, SeenSignals } from './seen-signals.ts';
import { sourceOf, type Signal } from './signal.ts';
import type { IncidentEvent, IncidentTransition } from './states.ts';
import type { IncidentFilter, IncidentStore, NotificationFilter } from './store.ts';

export interface EngineOptions {
  config: IncidentsConfig;
  /** Opens the store; called again later when it fails at start (a full disk). */
  openStore: () => IncidentStore;
  /** Shown in status while the store cannot be opened. */
  storeLocation: string;
  knowledge?: KnowledgeBase;
  clock: RouterClock;
  /** Carries out a knowledge-base action other than notify/none ("restart web"). */
  act?: (incident: Incident, action: string) => void;
  /** The HTTP call used for deliveries (default: node:http). */
  send?: ConstructorParameters<typeof Deliverer>[2]['send'];
  /** How often dirty state is written and quiet periods are checked. */
  tickMs?: number;
  /** The grouping versions (default GROUPINGS): new incidents take the current one, older ones still match. */
  groupings?: Groupings;
}

export interface IngestResult {
  incident: Incident;
  /**
   * 'opened', 'reopened', 'counted' (deduplicated into a live incident), 'resolved' (a resolved signal
   * ended it), 'ignored' (resolved signal, nothing live), 'duplicate' (its `id` was counted already:
   * a sender's retry; nothing changed).
   */
  outcome: 'opened' | 'reopened' | 'counted' | 'resolved' | 'ignored' | 'duplicate';
}

export interface EngineStats {
  signals: number;
  opened: number;
  reopened: number;
  deduplicated: number;
  /** Signals whose id was counted already (a sender's retry), not counted again. */
  duplicates: number;
  notifications: { pending: number; sent: number; failed: number; held: number; retries: number };
  live: number;
  open: number;
  acknowledged: number;
}

type Listener = (rec: NotificationRecord) => void;

export class IncidentEngine {
  readonly config: IncidentsConfig;
  private classifier: Classifier;
  private readonly clock: RouterClock;
  private readonly persister: Persister;
  private readonly router: Router;
  private readonly deliverer: Deliverer;
  private readonly act: EngineOptions['act'];
  /** Live incidents, and resolved ones not yet written. */
  private readonly byKey = new Map<string, Incident>();
  private readonly byId = new Map<number, Incident>();
  private nextIncidentId = 1;
  private nextNotificationId = 1;
  private keyPrefix = 'hf';
  /** Silences added through the API (stored); configSilences come from the config file. */
  private silences: Silence[] = [];
  private readonly configSilences: Silence[];
  private timer: { cancel(): void } | undefined;
  private readonly tickMs: number;
  private readonly listeners = new Set<Listener>();
  private readonly groupingCache = new Map<string, Grouping>();
  private readonly grouping: Groupings;
  /** The versions before the current one, newest first: where a signal is looked up when the current one finds nothing. */
  private readonly olderGroupings: GroupingVersion[];
  private readonly counts = { signals: 0, opened: 0, reopened: 0, deduplicated: 0, duplicates: 0, held: 0 };
  private readonly seen = new SeenSignals();
  private closed = false;

  constructor(o: EngineOptions) {
    this.config = o.config;
    this.clock = o.clock;
    this.act = o.act;
    this.tickMs = o.tickMs ?? 250;
    this.grouping = o.groupings ?? GROUPINGS;
    this.olderGroupings = [...this.grouping.versions.keys()].filter((v) => v < this.grouping.current).sort((a, b) => b - a);
    this.classifier = new Classifier(o.knowledge ?? { entries: [] }, { builtinOwner: o.config.owner });
    this.persister = new Persister(o.openStore, o.storeLocation);
    const now = this.clock.now();
    let pending: NotificationRecord[] = [];
    if (this.persister.tryOpen(now)) {
      const live = this.persister.store!.loadLive();
      for (const i of live.incidents) this.remember(i);
      this.nextIncidentId = live.nextIncidentId;
      this.nextNotificationId = live.nextNotificationId;
      this.silences = live.silences;
      pending = live.pending;
    } else {
      // Without the store we cannot know the highest id handed out: ids from the clock are
      // above any earlier one (and the store continues after them once it opens).
      this.nextIncidentId = now;
      this.nextNotificationId = now;
    }
    // Idempotency keys stay unique across stores: the store's location names them.
    this.keyPrefix = `hf-${o.storeLocation.replace(/[^A-Za-z0-9]/g, '').slice(-12) || 'mem'}`;
    const routerHost = {
      clock: this.clock,
      nextId: () => this.nextNotificationId++,
      emit: (rec: NotificationRecord, isNew: boolean) => this.onRecord(rec, isNew),
      incident: (id: number) => this.find(id),
    };
    this.router = new Router(o.config.routes, o.config.receivers, routerHost);
    this.deliverer = new Deliverer(o.config.receivers, o.config.retry, {
      clock: this.clock,
      find: (id) => this.find(id),
      update: (rec) => this.onDelivery(rec),
      keyPrefix: this.keyPrefix,
      ...(o.send ? { send: o.send } : {}),
    });
    this.configSilences = o.config.silences.map((s, i) => ({
      id: `config-${i}`,
      matchers: s.matchers,
      startsAt: s.startsAt ?? 0,
      endsAt: s.endsAt,
      ...(s.comment ? { comment: s.comment } : {}),
    }));
    this.router.setSilences([...this.configSilences, ...this.silences]);
    for (const rec of pending) this.deliverer.enqueue(rec);
    this.schedule();
  }

  private remember(i: Incident): void {
    this.byKey.set(i.dedupKey, i);
    this.byId.set(i.id, i);
  }

  /** The incident with this id: in memory, else from the store. */
  find(id: number): Incident | undefined {
    return this.byId.get(id) ?? this.persister.store?.get(id);
  }

  setKnowledge(kb: KnowledgeBase): void {
    this.classifier = new Classifier(kb, { builtinOwner: this.config.owner });
  }

  get knowledge(): KnowledgeBase {
    return this.classifier.kb;
  }

  onNotification(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** One signal in. Synchronous: the incident is updated before this returns. */
  ingest(s: Signal): IngestResult {
    if (s.id === undefined) return this.count(s);
    const seen = this.seen.incidentOf(s.id);
    const before = seen === undefined ? undefined : this.find(seen);
    if (before) return this.duplicate(before);
    const r = this.count(s, s.id);
    if (r.outcome !== 'duplicate' && r.incident.id !== 0) this.seen.remember(s.id, r.incident.id);
    return r;
  }

  private duplicate(incident: Incident): IngestResult {
    this.counts.duplicates++;
    return { incident, outcome: 'duplicate' };
  }

  private count(s: Signal, id?: string): IngestResult {
    const now = this.clock.now();
    const cls = this.classifier.classify(s);
    const g = this.group(s, cls.fingerprint, this.grouping.current);
    let inc = this.incidentFor(s, cls.fingerprint, g.dedupKey);
    if (id !== undefined && inc && occurredIn(inc, id)) return this.duplicate(inc);
    this.counts.signals++;
    if (s.status === 'resolved') {
      if (!inc || inc.state === 'resolved') return { incident: inc ?? this.placeholder(s, g.dedupKey), outcome: 'ignored' };
      this.apply(inc, { type: 'sourceResolved' }, now, now);
      return { incident: inc, outcome: 'resolved' };
    }
    if (!inc) {
      const { fingerprint: _explicit, ...classification } = cls;
      const t = openIncident(s.at, { now, quietMs: this.config.quietPeriodMs });
      const { dedupKey, ...grouping } = g;
      inc = { ...t.next, ...classification, ...describeFrom(s), id: this.nextIncidentId++, dedupKey, grouping, source: sourceOf(s.kind) };
      this.pushRecent(inc, s);
      this.remember(inc);
      this.counts.opened++;
      this.carryOut(inc, t, s.at < now ? s.at : now);
      return { incident: inc, outcome: 'opened' };
    }
    const wasResolved = inc.state === 'resolved';
    if (wasResolved) {
      // A regression is classified again: the knowledge base may have learned it meanwhile.
      const { fingerprint: _explicit, ...classification } = cls;
      Object.assign(inc, classification);
    }
    this.apply(inc, { type: 'occurred', at: s.at }, now, s.at < now ? s.at : now);
    this.pushRecent(inc, s);
    if (wasResolved) this.counts.reopened++;
    else this.counts.deduplicated++;
    return { incident: inc, outcome: wasResolved ? 'reopened' : 'counted' };
  }

  /**
   * The grouping of a signal, remembered by what it depends on: a flood repeats a few hundred
   * faults, and hashing each signal again cost a seventh of the ingest time. Signals with a stack
   * trace are grouped afresh (their frames are the key, and extracting them is the work).
   */
  private group(s: Signal, explicit: string | undefined, version: GroupingVersion): Grouping {
    if (s.error?.stack !== undefined) return fingerprint(s, explicit, version, this.grouping);
    let key =
      `${version}\u0001${s.kind}\u0001${s.program ?? ''}\u0001${explicit ?? ''}\u0001${s.fingerprint ?? ''}\u0001` +
      `${s.template?.id ?? ''}\u0001${s.error?.type ?? ''}\u0001${s.error?.code ?? ''}`;
    if (s.labels) for (const k in s.labels) key += `\u0001${k}=${s.labels[k]}`;
    let g = this.groupingCache.get(key);
    if (g === undefined) {
      if (this.groupingCache.size >= 10_000) this.groupingCache.clear();
      g = fingerprint(s, explicit, version, this.grouping);
      this.groupingCache.set(key, g);
    }
    return g;
  }

  /**
   * The incident a signal belongs to. An incident grouped under an older version keeps its signals
   * (an upgrade of the grouping splits or merges nothing that exists): first a live one under an
   * older version (every live incident is in memory: map lookups only), then the current
   * version's, then a resolved one under an older version from the store (a regression reopens it).
   */
  private incidentFor(s: Signal, explicit: string | undefined, currentKey: string): Incident | undefined {
    if (this.olderGroupings.length === 0) return this.lookup(currentKey);
    const older = this.olderGroupings.map((v) => this.group(s, explicit, v).dedupKey);
    for (const key of older) {
      const live = this.byKey.get(key);
      if (live) return live;
    }
    let inc = this.lookup(currentKey);
    for (let i = 0; !inc && i < older.length; i++) inc = this.lookup(older[i]!);
    return inc;
  }

  /** The incident with this dedup key: in memory, else from the store (then kept in memory). */
  private lookup(dedupKey: string): Incident | undefined {
    let inc = this.byKey.get(dedupKey);
    if (!inc) {
      const stored = this.persister.store?.byDedupKey(dedupKey);
      if (stored) this.remember((inc = stored));
    }
    return inc;
  }

  private placeholder(s: Signal, dedupKey: string): Incident {
    return {
      ...openIncident(s.at, { now: s.at, quietMs: 0 }).next,
      ...this.classifier.classify(s),
      ...describeFrom(s),
      id: 0,
      dedupKey,
      grouping: { rule: 'kind', version: this.grouping.current, components: [] },
      source: sourceOf(s.kind),
      state: 'resolved',
    };
  }

  private pushRecent(inc: Incident, s: Signal): void {
    inc.recent.push({ at: s.at, summary: s.summary, ...(s.instance ? { instance: s.instance } : {}), ...(s.id ? { id: s.id } : {}) });
    if (inc.recent.length > RECENT_MAX) inc.recent.shift();
  }

  private apply(inc: Incident, e: IncidentEvent, now: number, signalAt: number): IncidentTransition {
    const t = transitionIncident(inc, e, { now, quietMs: this.config.quietPeriodMs });
    if (t.next !== inc) {
      // The same object stays in the maps: copy the machine's next state over it (fields that
      // only mean something in one state go when the state changes).
      if (t.next.state !== inc.state)
        for (const k of ['ackedAt', 'ackedBy', 'resolvedAt', 'resolution', 'resolvedBy', 'cause', 'invalidReason', 'quietAt'] as const)
          if (!(k in t.next)) delete inc[k];
      Object.assign(inc, t.next);
    }
    this.carryOut(inc, t, signalAt);
    return t;
  }

  private carryOut(inc: Incident, t: IncidentTransition, signalAt: number): void {
    const now = this.clock.now();
    this.persister.incident(inc);
    for (const f of t.effects) {
      if (f.type === 'record') {
        const h: HistoryEntry = {
          incidentId: inc.id,
          rule: inc.rule,
          at: now,
          what: f.what,
          ...(f.detail !== undefined ? { detail: f.detail } : {}),
          ...(f.afterMs !== undefined ? { afterMs: f.afterMs } : {}),
        };
        this.persister.record(h);
      } else if (f.type === 'notify') this.router.change(inc, f.action, signalAt);
      else if (f.type === 'act' && inc.action !== 'notify' && inc.action !== 'none') this.act?.(inc, inc.action);
      // setTimer / clearTimer: the deadline is inc.quietAt, which the sweep reads.
    }
  }

  private command(id: number, e: IncidentEvent): Incident {
    const inc = this.byId.get(id) ?? this.persister.store?.get(id);
    if (!inc) throw new InsightError('HOLDFAST_E_UNKNOWN_INCIDENT', `${id} (holdfast incidents list shows the ids)`);
    if (!acceptsIncident(inc.state, e.type)) {
      const what = e.type === 'ack' ? 'acknowledged' : e.type === 'resolve' ? 'resolved' : e.type;
      throw new InsightError(
        'HOLDFAST_E_INCIDENT_STATE',
        `incident ${id} is ${inc.state}: it cannot be ${what}${inc.state === 'resolved' ? ' again' : ''}`,
      );
    }
    if (!this.byId.has(id)) this.remember(inc);
    const now = this.clock.now();
    this.apply(inc, e, now, now);
    return inc;
  }

  ack(id: number, by?: string): Incident {
    return this.command(id, { type: 'ack', ...(by ? { by } : {}) });
  }

  resolve(id: number, o: { by?: string; cause?: string } = {}): Incident {
    return this.command(id, { type: 'resolve', ...o });
  }

  /** The guide's "not valid" branch: resolves it, and counts against the rule that raised it. */
  invalid(id: number, reason: string, by?: string): Incident {
    return this.command(id, { type: 'invalid', reason, ...(by ? { by } : {}) });
  }

  /** Re-classifies one incident (after `--learn` added an entry for it). */
  reclassify(id: number, patch: Partial<Pick<Incident, 'rule' | 'category' | 'severity' | 'owner' | 'runbook' | 'action'>>): void {
    const inc = this.find(id);
    if (!inc) return;
    Object.assign(inc, patch);
    if (!this.byId.has(id)) this.remember(inc);
    this.persister.incident(inc);
  }

  /** Sets what the root-cause ranking says of an incident (computed by the daemon from its metrics store). */
  setProbableCause(id: number, cause: ProbableCause): Incident | undefined {
    const inc = this.find(id);
    if (!inc) return undefined;
    inc.probableCause = cause;
    if (!this.byId.has(id)) this.remember(inc);
    this.persister.incident(inc);
    return inc;
  }

  addSilence(s: Omit<Silence, 'id'>): Silence {
    const silence: Silence = { ...s, id: `s${this.clock.now().toString(36)}${(this.silences.length + 1).toString(36)}` };
    this.silences.push(silence);
    this.persister.silence(silence);
    this.router.setSilences([...this.configSilences, ...this.silences]);
    return silence;
  }

  get activeSilences(): Silence[] {
    return this.router.activeSilences;
  }

  private onRecord(rec: NotificationRecord, isNew: boolean): void {
    this.persister.notification(rec);
    if (rec.status === 'held' && isNew) this.counts.held++;
    if (rec.status === 'pending' && isNew) this.deliverer.enqueue(rec);
  }

  private onDelivery(rec: NotificationRecord): void {
    this.persister.notification(rec);
    if (rec.status !== 'pending') for (const fn of this.listeners) fn(rec);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.tick();
      this.schedule();
    }, this.tickMs);
  }

  /** Quiet periods and the store batch; runs every tickMs (tests call it directly). */
  tick(): void {
    const now = this.clock.now();
    for (const inc of [...this.byId.values()])
      if (inc.state !== 'resolved' && inc.quietAt !== undefined && inc.quietAt <= now) this.apply(inc, { type: 'timer' }, now, now);
    this.flush();
  }

  /** Writes what changed; resolved incidents leave memory once written. */
  flush(force = false): StoreHealth {
    const written = this.persister.flush(this.clock.now(), force);
    if (written) for (const i of written) if (i.state === 'resolved' && !this.persister.isDirty(i)) this.forget(i);
    return this.persister.health();
  }

  private forget(i: Incident): void {
    if (this.byKey.get(i.dedupKey) === i) this.byKey.delete(i.dedupKey);
    if (this.byId.get(i.id) === i) this.byId.delete(i.id);
  }

  get store(): IncidentStore | undefined {
    return this.persister.store;
  }

  /** Incidents by filter: the store's, with changes not yet written laid over them. */
  list(f: IncidentFilter = {}): Incident[] {
    this.flush();
    const fromStore = this.persister.store?.list(f) ?? [];
    const seen = new Set(fromStore.map((i) => i.id));
    const mem = [...this.byId.values()].filter(
      (i) =>
        !seen.has(i.id) &&
        (f.state === undefined || (f.state === 'live' ? i.state !== 'resolved' : i.state === f.state)) &&
        (!f.program || i.program === f.program) &&
        (!f.rule || i.rule === f.rule) &&
        (f.drill === undefined || !!i.drill === f.drill) &&
        (f.since === undefined || i.lastSeen >= f.since),
    );
    const all = [...fromStore.map((i) => this.byId.get(i.id) ?? i), ...mem].sort((a, b) => b.lastSeen - a.lastSeen || b.id - a.id);
    return all.slice(0, f.limit ?? 100);
  }

  get(id: number): Incident | undefined {
    return this.find(id);
  }

  history(id: number): HistoryEntry[] {
    this.flush();
    return this.persister.store?.history(id) ?? [];
  }

  notifications(f: NotificationFilter = {}): NotificationRecord[] {
    this.flush();
    const stored = this.persister.store?.notifications(f) ?? [];
    const unwritten = this.persister
      .unwrittenNotifications()
      .filter(
        (n) => (f.incidentId === undefined || n.items.some((it) => it.incidentId === f.incidentId)) && (!f.status || n.status === f.status),
      );
    const byId = new Map([...stored, ...unwritten].map((n) => [n.id, n]));
    return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, f.limit ?? 100);
  }

  /** Resolves once every queued notification is delivered or given up. */
  deliveriesIdle(): Promise<void> {
    return this.deliverer.idle();
  }

  stats(): EngineStats {
    let open = 0;
    let acknowledged = 0;
    for (const i of this.byId.values()) {
      if (i.state === 'open') open++;
      else if (i.state === 'acknowledged') acknowledged++;
    }
    const d = this.deliverer.counts;
    return {
      signals: this.counts.signals,
      opened: this.counts.opened,
      reopened: this.counts.reopened,
      deduplicated: this.counts.deduplicated,
      duplicates: this.counts.duplicates,
      notifications: { pending: this.deliverer.backlog, sent: d.sent, failed: d.failed, held: this.counts.held, retries: d.retries },
      live: open + acknowledged,
      open,
      acknowledged,
    };
  }

  health(): StoreHealth {
    return this.persister.health();
  }

  /** Stops timers and deliveries, writes what it can, closes the store. */
  close(): StoreHealth {
    this.closed = true;
    this.timer?.cancel();
    this.router.close();
    this.deliverer.close();
    const h = this.flush(true);
    this.persister.store?.close();
    return h;
  }
}
