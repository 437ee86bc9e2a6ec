// The alert-storm drill (`holdfast drill alerts --storm N`): N synthetic signals across programs
// through the real pipeline (classification, grouping, routing, delivery), then an account of
// what came out: incidents created, the deduplication ratio, notifications sent and held back,
// time to the first notification, and whether anything was lost on the way. Every drill signal
// carries labels drill="true" and run="<id>", so a drill never merges with real incidents.
import type { IncidentEngine } from './engine.ts';
import type { NotificationRecord } from '../notify/record.ts';

export interface StormOptions {
  storm: number;
  /** Programs the signals are spread across. */
  programs: number;
  /** Distinct faults per program (fingerprints): storm / (programs × faults) signals each. */
  faults?: number;
  /** Spread the signals evenly over this long; 0 sends them as fast as the engine takes them. */
  spreadMs?: number;
  /** Longest wait for deliveries after the last signal. */
  settleMs?: number;
  /** Resolve the drill's incidents afterwards (default true). */
  resolve?: boolean;
  /** Run id (default: from the clock). */
  run?: string;
  now?: () => number;
  progress?: (msg: string) => void;
}

export interface StormReport {
  run: string;
  signals: number;
  programs: number;
  incidents: number;
  /** Signals per incident. */
  dedupRatio: number;
  ingestMs: number;
  signalsPerSecond: number;
  notifications: { sent: number; held: number; failed: number; pending: number };
  /** From the first signal to the first notification a receiver accepted. */
  firstNotificationMs: number | null;
  /** Signal → trigger delivered, per incident. */
  notifyP50Ms: number | null;
  notifyP99Ms: number | null;
  notifyMaxMs: number | null;
  /** Signals not counted into any incident, and incidents whose trigger was neither delivered nor recorded as held. */
  lost: { signals: number; notifications: number };
  ok: boolean;
}

const pct = (xs: number[], q: number): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

export async function runAlertStorm(engine: IncidentEngine, o: StormOptions): Promise<StormReport> {
  const now = o.now ?? (() => Date.now());
  const run = o.run ?? now().toString(36);
  const faults = o.faults ?? 5;
  const delivered: NotificationRecord[] = [];
  const ids = new Set<number>();
  const off = engine.onNotification((rec) => {
    if (rec.status === 'sent' || rec.status === 'failed') delivered.push(rec);
  });
  const start = now();
  try {
    const send = (i: number) => {
      const p = i % o.programs;
      const f = Math.floor(i / o.programs) % faults;
      const at = now();
      const r = engine.ingest({
        kind: 'drill.synthetic',
        at,
        summary: `drill ${run}: fault ${f} in drill-${p}`,
        program: `drill-${p}`,
        labels: { drill: 'true', run, fault: `f${f}` },
      });
      ids.add(r.incident.id);
    };
    if (!o.spreadMs) {
      // In slices, so deliveries and the daemon's other work get the event loop between them.
      for (let i = 0; i < o.storm;) {
        const end = Math.min(o.storm, i + 2000);
        for (; i < end; i++) send(i);
        await new Promise((r) => setImmediate(r));
      }
    } else {
      const tick = 10;
      const perTick = o.storm / (o.spreadMs / tick);
      let sent = 0;
      let lastProgress = start;
      while (sent < o.storm) {
        const due = Math.min(o.storm, Math.floor(((now() - start) / tick + 1) * perTick));
        for (; sent < due; sent++) send(sent);
        if (o.progress && now() - lastProgress >= 5000) {
          lastProgress = now();
          o.progress(`${sent}/${o.storm} signals, ${ids.size} incidents`);
        }
        await new Promise((r) => setTimeout(r, tick));
      }
    }
    const ingestMs = now() - start;
    o.progress?.(`${o.storm} signals in ${ingestMs} ms; waiting for deliveries`);
    await Promise.race([engine.deliveriesIdle(), new Promise((r) => setTimeout(r, o.settleMs ?? 30_000))]);
    const incidents = [...ids].map((id) => engine.get(id)!);
    const counted = incidents.reduce((n, i) => n + i.count, 0);
    const latencies: number[] = [];
    let first: number | null = null;
    const told = new Set<number>();
    for (const rec of delivered) {
      if (rec.status !== 'sent') continue;
      for (const it of rec.items) {
        if (!ids.has(it.incidentId) || it.action !== 'trigger') continue;
        if (!told.has(it.incidentId)) latencies.push(rec.sentAt! - it.signalAt);
        told.add(it.incidentId);
        first = first === null ? rec.sentAt! - start : Math.min(first, rec.sentAt! - start);
      }
    }
    const byId = new Map<number, NotificationRecord>();
    for (const id of ids) for (const n of engine.notifications({ incidentId: id, limit: 1000 })) byId.set(n.id, n);
    const records = [...byId.values()];
    for (const n of records)
      if (n.status === 'held' || n.status === 'pending') for (const it of n.items) if (ids.has(it.incidentId)) told.add(it.incidentId);
    const count = (s: NotificationRecord['status']) => records.filter((n) => n.status === s).length;
    const report: StormReport = {
      run,
      signals: o.storm,
      programs: o.programs,
      incidents: ids.size,
      dedupRatio: ids.size ? Math.round((o.storm / ids.size) * 100) / 100 : 0,
      ingestMs,
      signalsPerSecond: Math.round((o.storm / Math.max(ingestMs, 1)) * 1000),
      notifications: { sent: count('sent'), held: count('held'), failed: count('failed'), pending: count('pending') },
      firstNotificationMs: first,
      notifyP50Ms: pct(latencies, 0.5),
      notifyP99Ms: pct(latencies, 0.99),
      notifyMaxMs: pct(latencies, 1),
      lost: { signals: o.storm - counted, notifications: incidents.filter((i) => !told.has(i.id)).length },
      ok: false,
    };
    report.ok = report.lost.signals === 0 && report.lost.notifications === 0 && report.notifications.failed === 0;
    if (o.resolve !== false)
      for (const i of incidents) if (i.state !== 'resolved') engine.resolve(i.id, { by: 'drill', cause: `alert-storm drill ${run}` });
    return report;
  } finally {
    off();
  }
}
