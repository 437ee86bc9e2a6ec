// The notification router, with Alertmanager's semantics over incidents instead of alerts:
// routes tried in order (the first match wins unless it says `continue`), changes grouped by the
// route's groupBy fields, a group's first notification after group_wait, later ones no sooner
// than group_interval after the previous, still-firing incidents repeated every repeat_interval,
// silences that hold changes back until they end. Every change becomes a record: sent in a
// notification, or held (silenced, waiting in a group, no route) with the reason.
import type { Incident } from '../incidents/incident.ts';
import type { ReceiverConfig, RouteConfig } from '../incidents/config.ts';
import type { HeldReason, NotificationItem, NotificationRecord, NotifyAction } from './record.ts';
import { silenceMatches, type Silence } from './silence.ts';

export interface RouterClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export interface RouterHost {
  clock: RouterClock;
  nextId(): number;
  /** A record to keep: a new one (pending ones go to delivery) or an update of a held one. */
  emit(rec: NotificationRecord, isNew: boolean): void;
  /** The incident as it is now (repeats send only those still open). */
  incident(id: number): Incident | undefined;
}

interface Group {
  key: string;
  route: RouteConfig;
  receiver: ReceiverConfig;
  pending: NotificationItem[];
  /** Held records waiting for this group's next flush. */
  held: NotificationRecord[];
  flushTimer?: { cancel(): void };
  repeatTimer?: { cancel(): void };
  lastFlushAt?: number;
  /** Incidents this group last told the receiver are firing. */
  firing: Map<number, string>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Prometheus re-sends firing alerts to Alertmanager so they do not time out (resolve_timeout 5 m). */
export const ALERTMANAGER_RESEND_MS = 60_000;

function routeMatches(r: RouteConfig, inc: Incident): boolean {
  const m = r.match;
  if (m.severity && !m.severity.includes(inc.severity)) return false;
  if (m.owner && (inc.owner === undefined || !m.owner.includes(inc.owner))) return false;
  if (m.category && !m.category.includes(inc.category)) return false;
  if (m.program && (inc.program === undefined || !m.program.includes(inc.program))) return false;
  if (m.rule && !m.rule.includes(inc.rule)) return false;
  if (m.labels) for (const [k, v] of Object.entries(m.labels)) if (inc.labels[k] !== v) return false;
  return true;
}

function groupValue(inc: Incident, field: string): string {
  if (field.startsWith('labels.')) return inc.labels[field.slice(7)] ?? '';
  const v = (inc as unknown as Record<string, unknown>)[field];
  return typeof v === 'string' ? v : '';
}

export class Router {
  private readonly routes: RouteConfig[];
  private readonly receivers: Map<string, ReceiverConfig>;
  private readonly host: RouterHost;
  private readonly groups = new Map<string, Group>();
  private silences: Silence[] = [];
  private readonly silenceTimers = new Map<string, { cancel(): void }>();
  /** Firing incidents a silence kept quiet, per route index: told once the silence ends. */
  private readonly silenced = new Map<number, Set<number>>();
  private closed = false;

  constructor(routes: RouteConfig[], receivers: ReceiverConfig[], host: RouterHost) {
    this.routes = routes;
    this.receivers = new Map(receivers.map((r) => [r.name, r]));
    this.host = host;
  }

  get activeSilences(): Silence[] {
    const now = this.host.clock.now();
    return this.silences.filter((s) => s.endsAt > now);
  }

  setSilences(list: Silence[]): void {
    for (const t of this.silenceTimers.values()) t.cancel();
    this.silenceTimers.clear();
    this.silences = [...list];
    const now = this.host.clock.now();
    for (const s of list)
      if (s.endsAt > now)
        this.silenceTimers.set(
          s.id,
          this.at(s.endsAt, () => this.silenceEnded(s.id)),
        );
  }

  /** A timer for a point in time; one far off (a silence until next year) is set in steps (timers take at most 2^31-1 ms). */
  private at(when: number, fn: () => void): { cancel(): void } {
    let current: { cancel(): void };
    const arm = () => {
      const left = when - this.host.clock.now();
      current = left > MAX_TIMER_MS ? this.host.clock.setTimeout(arm, MAX_TIMER_MS) : this.host.clock.setTimeout(fn, left);
    };
    arm();
    return { cancel: () => current.cancel() };
  }

  /** An incident changed: route it, group it, send or hold it. */
  change(inc: Incident, action: NotifyAction, signalAt: number): void {
    if (this.closed) return;
    let matched = false;
    for (let i = 0; i < this.routes.length; i++) {
      const r = this.routes[i]!;
      if (!routeMatches(r, inc)) continue;
      matched = true;
      this.toRoute(i, inc, action, signalAt);
      if (!r.continue) break;
    }
    if (!matched) this.hold(inc, action, signalAt, 'no_route', { receiver: '-', route: '-', groupKey: '-' });
  }

  private hold(
    inc: Incident,
    action: NotifyAction,
    signalAt: number,
    reason: HeldReason,
    where: { receiver: string; route: string; groupKey: string },
    silenceId?: string,
  ): NotificationRecord {
    const now = this.host.clock.now();
    const rec: NotificationRecord = {
      id: this.host.nextId(),
      ...where,
      status: 'held',
      reason,
      items: [{ incidentId: inc.id, dedupKey: inc.dedupKey, action, changedAt: now, signalAt }],
      attempts: 0,
      createdAt: now,
      ...(silenceId ? { silenceId } : {}),
    };
    this.host.emit(rec, true);
    return rec;
  }

  private toRoute(index: number, inc: Incident, action: NotifyAction, signalAt: number): void {
    const route = this.routes[index]!;
    const receiver = this.receivers.get(route.receiver);
    if (!receiver) return;
    const key = `${route.name}|${route.groupBy.includes('...') ? inc.dedupKey : route.groupBy.map((f) => groupValue(inc, f)).join('|')}`;
    const now = this.host.clock.now();
    const silence = this.silences.find((s) => silenceMatches(s, inc, now));
    if (silence) {
      this.hold(inc, action, signalAt, 'silenced', { receiver: receiver.name, route: route.name, groupKey: key }, silence.id);
      let set = this.silenced.get(index);
      if (!set) this.silenced.set(index, (set = new Set()));
      if (action === 'trigger') set.add(inc.id);
      else set.delete(inc.id);
      return;
    }
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { key, route, receiver, pending: [], held: [], firing: new Map() }));
    g.pending.push({ incidentId: inc.id, dedupKey: inc.dedupKey, action, changedAt: now, signalAt });
    if (g.flushTimer) {
      g.held.push(
        this.hold(inc, action, signalAt, g.lastFlushAt === undefined ? 'group_wait' : 'group_interval', {
          receiver: receiver.name,
          route: route.name,
          groupKey: key,
        }),
      );
      return;
    }
    const due = g.lastFlushAt === undefined ? now + route.groupWaitMs : g.lastFlushAt + route.groupIntervalMs;
    if (due <= now) return this.flush(g);
    g.held.push(
      this.hold(inc, action, signalAt, g.lastFlushAt === undefined ? 'group_wait' : 'group_interval', {
        receiver: receiver.name,
        route: route.name,
        groupKey: key,
      }),
    );
    const group = g;
    g.flushTimer = this.at(due, () => {
      delete group.flushTimer;
      this.flush(group);
    });
  }

  private repeatMs(g: Group): number {
    return g.receiver.type === 'alertmanager' ? Math.min(g.route.repeatIntervalMs, ALERTMANAGER_RESEND_MS) : g.route.repeatIntervalMs;
  }

  private send(g: Group, items: NotificationItem[], reason?: 'repeat'): NotificationRecord[] {
    const now = this.host.clock.now();
    // PagerDuty takes one event per request: one record per item keeps each delivery whole.
    const batches = g.receiver.type === 'pagerduty' ? items.map((it) => [it]) : [items];
    return batches.map((b) => {
      const rec: NotificationRecord = {
        id: this.host.nextId(),
        receiver: g.receiver.name,
        route: g.route.name,
        groupKey: g.key,
        status: 'pending',
        items: b,
        attempts: 0,
        createdAt: now,
        ...(reason ? { reason } : {}),
      };
      this.host.emit(rec, true);
      return rec;
    });
  }

  private flush(g: Group): void {
    if (this.closed || g.pending.length === 0) return;
    const items = g.pending.splice(0);
    const sent = this.send(g, items);
    for (const h of g.held.splice(0)) {
      h.releasedIn = sent[0]!.id;
      this.host.emit(h, false);
    }
    for (const it of items) {
      if (it.action === 'trigger') g.firing.set(it.incidentId, it.dedupKey);
      else g.firing.delete(it.incidentId);
    }
    g.lastFlushAt = this.host.clock.now();
    this.scheduleRepeat(g);
  }

  private scheduleRepeat(g: Group): void {
    g.repeatTimer?.cancel();
    delete g.repeatTimer;
    if (g.firing.size === 0) {
      // Nothing left to repeat and nothing waiting: the group is done.
      if (!g.flushTimer && g.pending.length === 0) this.groups.delete(g.key);
      return;
    }
    g.repeatTimer = this.at(this.host.clock.now() + this.repeatMs(g), () => this.repeat(g));
  }

  private repeat(g: Group): void {
    delete g.repeatTimer;
    if (this.closed || g.flushTimer) return;
    const now = this.host.clock.now();
    const items: NotificationItem[] = [];
    for (const [id, dedupKey] of g.firing) {
      const inc = this.host.incident(id);
      // Acknowledged incidents are someone's already; resolved ones were told.
      if (inc?.state === 'open') items.push({ incidentId: id, dedupKey, action: 'trigger', changedAt: now, signalAt: now });
      else g.firing.delete(id);
    }
    if (items.length) {
      this.send(g, items, 'repeat');
      g.lastFlushAt = now;
    }
    this.scheduleRepeat(g);
  }

  private silenceEnded(id: string): void {
    this.silenceTimers.delete(id);
    const now = this.host.clock.now();
    for (const [index, set] of this.silenced) {
      for (const incId of [...set]) {
        const inc = this.host.incident(incId);
        if (!inc || inc.state === 'resolved') set.delete(incId);
        else if (!this.silences.some((s) => silenceMatches(s, inc, now))) {
          set.delete(incId);
          if (inc.state === 'open') this.toRoute(index, inc, 'trigger', now);
        }
      }
    }
  }

  /** Groups waiting to flush or to repeat (status, and the drill's "held back"). */
  get groupCount(): number {
    return this.groups.size;
  }

  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) {
      g.flushTimer?.cancel();
      g.repeatTimer?.cancel();
    }
    for (const t of this.silenceTimers.values()) t.cancel();
    this.groups.clear();
  }
}
