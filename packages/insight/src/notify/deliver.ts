// Delivery: one queue per receiver, up to 8 requests in flight to it, but never two about the
// same incident, and never one overtaking an earlier one about the same incident (a receiver sees
// an incident's trigger before its resolve). Retried with exponential backoff while the receiver
// is down or answers 5xx/429/408, for up to retry.maxAge. Each notification carries an
// Idempotency-Key that stays the same across retries and daemon restarts, so a receiver that got
// a request whose answer was lost can drop the copy; nothing is sent twice otherwise.
import type { IncidentsConfig, ReceiverConfig } from '../incidents/config.ts';
import { post, type PostResult } from './post.ts';
import { requestFor, type IncidentLookup } from './payloads.ts';
import type { NotificationRecord } from './record.ts';
import type { RouterClock } from './router.ts';

export interface DelivererHost {
  clock: RouterClock;
  find: IncidentLookup;
  /** A record changed (sent, failed, or another attempt scheduled): keep it. */
  update(rec: NotificationRecord): void;
  /** Prefix of idempotency keys: unique per store, so two daemons' notification 7 differ. */
  keyPrefix: string;
  /** The HTTP call (tests and the bench pass the real one; it is here so a drill can count). */
  send?: (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<PostResult>;
}

/** Answers that will not change by asking again. */
const permanent = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

type Hmac = (secret: string, text: string) => string;
let hmac: Hmac | undefined;
function signer(): Hmac {
  // node:crypto (OpenSSL) loads only once a receiver with a secret sends something.
  hmac ??= (() => {
    const { createHmac } = process.getBuiltinModule('node:crypto');
    return (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');
  })();
  return hmac;
}

/** The X-Holdfast-Signature of a webhook body: HMAC-SHA256 over "<timestamp>.<body>". */
export function signatureOf(secret: string, timestamp: string, body: string): string {
  return `sha256=${signer()(secret, `${timestamp}.${body}`)}`;
}

interface Queue {
  receiver: ReceiverConfig;
  items: NotificationRecord[];
  inFlight: Set<NotificationRecord>;
  timer?: { cancel(): void };
  timerAt?: number;
}

/** Requests in flight to one receiver at most. */
const MAX_IN_FLIGHT = 8;

export class Deliverer {
  private readonly queues = new Map<string, Queue>();
  private readonly host: DelivererHost;
  private readonly retry: IncidentsConfig['retry'];
  private readonly send: NonNullable<DelivererHost['send']>;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  readonly counts = { sent: 0, failed: 0, retries: 0 };

  constructor(receivers: ReceiverConfig[], retry: IncidentsConfig['retry'], host: DelivererHost) {
    for (const r of receivers) this.queues.set(r.name, { receiver: r, items: [], inFlight: new Set() });
    this.retry = retry;
    this.host = host;
    this.send = host.send ?? post;
  }

  /** Queues a pending record (new, or left pending by a previous run of the daemon). */
  enqueue(rec: NotificationRecord): void {
    const q = this.queues.get(rec.receiver);
    if (!q) {
      // Its receiver was removed from the config since: keep the record, say why it stopped.
      this.host.update({ ...rec, status: 'failed', lastError: `receiver '${rec.receiver}' is no longer configured` });
      return;
    }
    q.items.push(rec);
    this.pump(q);
  }

  /** Records still to deliver (queued or waiting for a retry). */
  get backlog(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.items.length;
    return n;
  }

  /** Resolves once every queue is empty (the drill and tests wait on this). */
  idle(): Promise<void> {
    if (this.backlog === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(q: Queue): void {
    if (this.closed) return;
    const now = this.host.clock.now();
    // Incidents of earlier records (in flight or waiting): a later record about one of them waits.
    const earlier = new Set<number>();
    let wake: number | undefined;
    for (const rec of q.items) {
      if (q.inFlight.size >= MAX_IN_FLIGHT) break;
      const behind = rec.items.some((it) => earlier.has(it.incidentId));
      for (const it of rec.items) earlier.add(it.incidentId);
      if (behind || q.inFlight.has(rec)) continue;
      if (rec.nextAttemptAt !== undefined && rec.nextAttemptAt > now) {
        wake = Math.min(wake ?? Infinity, rec.nextAttemptAt);
        continue;
      }
      q.inFlight.add(rec);
      void this.attempt(q, rec).finally(() => {
        q.inFlight.delete(rec);
        if (this.backlog === 0) for (const w of this.idleWaiters.splice(0)) w();
        this.pump(q);
      });
    }
    if (wake !== undefined && (q.timerAt === undefined || wake < q.timerAt)) {
      q.timer?.cancel();
      q.timerAt = wake;
      q.timer = this.host.clock.setTimeout(() => {
        delete q.timer;
        delete q.timerAt;
        this.pump(q);
      }, wake - now);
    }
  }

  private done(q: Queue, rec: NotificationRecord): void {
    const i = q.items.indexOf(rec);
    if (i >= 0) q.items.splice(i, 1);
  }

  private async attempt(q: Queue, rec: NotificationRecord): Promise<void> {
    const r = q.receiver;
    const now = this.host.clock.now();
    const key = `${this.host.keyPrefix}-${rec.id}`;
    const req = requestFor(r, rec, this.host.find, key, now);
    const headers = { ...req.headers };
    if (r.secret) {
      const ts = String(Math.floor(now / 1000));
      headers['x-holdfast-timestamp'] = ts;
      headers['x-holdfast-signature'] = signatureOf(r.secret, ts, req.body);
    }
    rec.attempts++;
    let error: string;
    let giveUp = false;
    try {
      const res = await this.send(req.url, req.body, headers, r.timeoutMs);
      if (res.status >= 200 && res.status < 300) {
        this.done(q, rec);
        const done: NotificationRecord = { ...rec, status: 'sent', sentAt: this.host.clock.now() };
        delete done.nextAttemptAt;
        delete done.lastError;
        this.counts.sent++;
        this.host.update(done);
        return;
      }
      error = `HTTP ${res.status}${res.body ? `: ${res.body.slice(0, 200)}` : ''}`;
      giveUp = permanent(res.status);
    } catch (err) {
      error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
    if (this.closed) return;
    const age = this.host.clock.now() - rec.createdAt;
    if (giveUp || age >= this.retry.maxAgeMs) {
      this.done(q, rec);
      this.counts.failed++;
      this.host.update({
        ...rec,
        status: 'failed',
        lastError: giveUp ? `${error} (not retried: the receiver refused it)` : `${error} (gave up after ${rec.attempts} attempts)`,
      });
      return;
    }
    const delay = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** Math.min(rec.attempts - 1, 20));
    rec.nextAttemptAt = this.host.clock.now() + delay;
    rec.lastError = error;
    this.counts.retries++;
    this.host.update({ ...rec });
  }

  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) q.timer?.cancel();
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
