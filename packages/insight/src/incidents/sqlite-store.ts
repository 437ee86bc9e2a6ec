// The default incident store: one SQLite file (node:sqlite, built into Node: no server to run)
// in the supervisor's state directory, in WAL mode. Records are JSON beside the few columns the
// queries filter on. Every write is one transaction; a failure (a full disk: SQLITE_FULL) rolls
// it back whole and throws, and the engine keeps the batch to retry.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { InsightError } from '../errors.ts';
import type { NotificationRecord } from '../notify/record.ts';
import type { Silence } from '../notify/silence.ts';
import type { HistoryEntry, Incident } from './incident.ts';
import type { IncidentFilter, IncidentStore, NotificationFilter, RuleHistoryRow, WriteBatch } from './store.ts';

const SCHEMA =
  `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
  id INTEGER PRIMARY KEY, dedup_key TEXT NOT NULL, state TEXT NOT NULL, rule TEXT NOT NULL,
  program TEXT, last_seen INTEGER NOT NULL, drill INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS incidents_dedup ON incidents (dedup_key);
CREATE INDEX IF NOT EXISTS incidents_live ON incidents (state, last_seen);
CREATE TABLE IF NOT EXISTS history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL, rule TEXT NOT NULL, at INTEGER NOT NULL,
  what TEXT NOT NULL, detail TEXT, after_ms INTEGER);
CREATE INDEX IF NOT EXISTS history_incident ON history (incident_id);
CREATE INDEX IF NOT EXISTS history_at ON history (at);
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY, status TEXT NOT NULL, receiver TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS notifications_pending ON notifications (status) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS notification_items (notification_id INTEGER NOT NULL, incident_id INTEGER NOT NULL, ` +
  `PRIMARY KEY (incident_id, notification_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS silences (id TEXT PRIMARY KEY, ends_at INTEGER NOT NULL, data TEXT NOT NULL);
`;

const SCHEMA_VERSION = '1';

export interface SqliteStoreOptions {
  /** The database file; ':memory:' for tests of the engine alone. */
  file: string;
}

export class SqliteIncidentStore implements IncidentStore {
  readonly location: string;
  private readonly db: DatabaseSync;
  private readonly st: Record<
    'upsertIncident' | 'insertHistory' | 'upsertNotification' | 'insertItem' | 'upsertSilence' | 'byKey' | 'byId' | 'history',
    StatementSync
  >;

  constructor(o: SqliteStoreOptions) {
    this.location = o.file;
    // From the process, not an import: the daemon loads it only when incidents are configured.
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(o.file);
      // A 512 KiB page cache (SQLite's default is 2 MiB): lookups go by key, and the daemon is small.
      db.exec(
        'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 2000; PRAGMA foreign_keys = ' +
          'OFF; PRAGMA cache_size = -512;',
      );
      db.exec(SCHEMA);
      const v = db.prepare('SELECT value FROM meta WHERE key = ?').get('schema') as { value: string } | undefined;
      if (v === undefined) db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema', SCHEMA_VERSION);
      else if (v.value !== SCHEMA_VERSION) throw new Error(`schema version ${v.value}, this holdfast reads ${SCHEMA_VERSION}`);
    } catch (err) {
      db?.close();
      throw new InsightError('HOLDFAST_E_INCIDENT_STORE', `${o.file}: ${(err as Error).message}`, [], { cause: err });
    }
    this.db = db;
    this.st = {
      upsertIncident: db.prepare(
        'INSERT INTO incidents (id, dedup_key, state, rule, program, last_seen, drill, data) VALUES (?, ?, ?, ?, ?, ' +
          '?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, rule = excluded.rule, last_seen = ' +
          'excluded.last_seen, data = excluded.data',
      ),
      insertHistory: db.prepare('INSERT INTO history (incident_id, rule, at, what, detail, after_ms) VALUES (?, ?, ?, ?, ?, ?)'),
      upsertNotification: db.prepare(
        'INSERT INTO notifications (id, status, receiver, created_at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) ' +
          'DO UPDATE SET status = excluded.status, data = excluded.data',
      ),
      insertItem: db.prepare('INSERT OR IGNORE INTO notification_items (notification_id, incident_id) VALUES (?, ?)'),
      upsertSilence: db.prepare(
        'INSERT INTO silences (id, ends_at, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET ends_at = ' +
          'excluded.ends_at, data = excluded.data',
      ),
      byKey: db.prepare('SELECT data FROM incidents WHERE dedup_key = ?'),
      byId: db.prepare('SELECT data FROM incidents WHERE id = ?'),
      history: db.prepare('SELECT incident_id, rule, at, what, detail, after_ms FROM history WHERE incident_id = ? ORDER BY seq'),
    };
  }

  loadLive() {
    const incidents = (this.db.prepare("SELECT data FROM incidents WHERE state != 'resolved'").all() as { data: string }[]).map(
      (r) => JSON.parse(r.data) as Incident,
    );
    const maxInc = this.db.prepare('SELECT MAX(id) AS m FROM incidents').get() as { m: number | null };
    const maxNote = this.db.prepare('SELECT MAX(id) AS m FROM notifications').get() as { m: number | null };
    const pending = (
      this.db.prepare("SELECT data FROM notifications WHERE status = 'pending' ORDER BY id").all() as { data: string }[]
    ).map((r) => JSON.parse(r.data) as NotificationRecord);
    const silences = (this.db.prepare('SELECT data FROM silences').all() as { data: string }[]).map((r) => JSON.parse(r.data) as Silence);
    return { incidents, nextIncidentId: (maxInc.m ?? 0) + 1, nextNotificationId: (maxNote.m ?? 0) + 1, pending, silences };
  }

  byDedupKey(key: string): Incident | undefined {
    const r = this.st.byKey.get(key) as { data: string } | undefined;
    return r ? (JSON.parse(r.data) as Incident) : undefined;
  }

  get(id: number): Incident | undefined {
    const r = this.st.byId.get(id) as { data: string } | undefined;
    return r ? (JSON.parse(r.data) as Incident) : undefined;
  }

  list(f: IncidentFilter): Incident[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, arg?: string | number) => {
      where.push(sql);
      if (arg !== undefined) args.push(arg);
    };
    if (f.state === 'live') add("state != 'resolved'");
    else if (f.state) add('state = ?', f.state);
    if (f.program) add('program = ?', f.program);
    if (f.rule) add('rule = ?', f.rule);
    if (f.since !== undefined) add('last_seen >= ?', f.since);
    if (f.drill !== undefined) add('drill = ?', f.drill ? 1 : 0);
    const sql = `SELECT data FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_seen DESC, id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, f.limit ?? 100) as { data: string }[]).map((r) => JSON.parse(r.data) as Incident);
  }

  history(incidentId: number): HistoryEntry[] {
    return (
      this.st.history.all(incidentId) as {
        incident_id: number;
        rule: string;
        at: number;
        what: HistoryEntry['what'];
        detail: string | null;
        after_ms: number | null;
      }[]
    ).map((r) => ({
      incidentId: r.incident_id,
      rule: r.rule,
      at: r.at,
      what: r.what,
      ...(r.detail !== null ? { detail: r.detail } : {}),
      ...(r.after_ms !== null ? { afterMs: r.after_ms } : {}),
    }));
  }

  notifications(f: NotificationFilter): NotificationRecord[] {
    const limit = f.limit ?? 100;
    if (f.incidentId !== undefined) {
      const sql =
        `SELECT n.data FROM notification_items i JOIN notifications n ON n.id = i.notification_id WHERE ` +
        `i.incident_id = ?${f.status ? ' AND n.status = ?' : ''} ORDER BY n.id DESC LIMIT ?`;
      return (this.db.prepare(sql).all(...(f.status ? [f.incidentId, f.status, limit] : [f.incidentId, limit])) as { data: string }[]).map(
        (r) => JSON.parse(r.data) as NotificationRecord,
      );
    }
    const sql = `SELECT data FROM notifications ${f.status ? 'WHERE status = ?' : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...(f.status ? [f.status, limit] : [limit])) as { data: string }[]).map(
      (r) => JSON.parse(r.data) as NotificationRecord,
    );
  }

  ruleHistory(since: number): RuleHistoryRow[] {
    const rows = new Map<string, RuleHistoryRow>();
    const all = this.db.prepare('SELECT rule, what, detail, after_ms FROM history WHERE at >= ?').all(since) as {
      rule: string;
      what: HistoryEntry['what'];
      detail: string | null;
      after_ms: number | null;
    }[];
    for (const r of all) {
      let row = rows.get(r.rule);
      if (!row)
        rows.set(
          r.rule,
          (row = {
            rule: r.rule,
            opened: 0,
            reopened: 0,
            acknowledged: 0,
            invalid: 0,
            resolved: 0,
            resolvedQuiet: 0,
            ackTimes: [],
            reopenGaps: [],
          }),
        );
      row[r.what]++;
      if (r.what === 'resolved' && r.detail === 'quiet') row.resolvedQuiet++;
      if (r.what === 'acknowledged' && r.after_ms !== null) row.ackTimes.push(r.after_ms);
      if (r.what === 'reopened' && r.after_ms !== null) row.reopenGaps.push(r.after_ms);
    }
    return [...rows.values()];
  }

  write(b: WriteBatch): void {
    if (b.incidents.length + b.history.length + b.notifications.length + b.silences.length === 0) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const i of b.incidents)
        this.st.upsertIncident.run(i.id, i.dedupKey, i.state, i.rule, i.program ?? null, i.lastSeen, i.drill ? 1 : 0, JSON.stringify(i));
      for (const h of b.history) this.st.insertHistory.run(h.incidentId, h.rule, h.at, h.what, h.detail ?? null, h.afterMs ?? null);
      for (const n of b.notifications) {
        this.st.upsertNotification.run(n.id, n.status, n.receiver, n.createdAt, JSON.stringify(n));
        for (const it of n.items) this.st.insertItem.run(n.id, it.incidentId);
      }
      for (const s of b.silences) this.st.upsertSilence.run(s.id, s.endsAt, JSON.stringify(s));
      this.db.exec('COMMIT');
    } catch (err) {
      // SQLite may already have rolled back (SQLITE_FULL can end the transaction itself).
      try {
        this.db.exec('ROLLBACK');
      } catch {}
      throw new InsightError('HOLDFAST_E_INCIDENT_STORE', `${this.location}: ${(err as Error).message}`, [], { cause: err });
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
