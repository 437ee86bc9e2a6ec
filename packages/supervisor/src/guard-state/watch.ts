// The daemon's one reader of its programs' guard state, shared by the dashboard (which reads once a
// second while it runs) and `holdfast status` (which reads when someone asks). One round of reads
// at a time: whoever asks while one is in flight shares it.
//
// The status must answer at once even when an instance's metrics hang, and should still show
// fresh values: it starts a round when the last one is older than FRESH_MS, waits for its reads
// at most STATUS_WAIT_MS (and not at all for an instance whose last read timed out), and answers
// with what is there: each instance's last answer with its age, and why it is not fresher. The
// round goes on in the background (each read bounded by READ_TIMEOUT_MS), so the next status has
// its outcome. A local metrics read answers in a few
// milliseconds, so the wait almost always brings fresh values; a tight read timeout alone would
// instead report a briefly slow endpoint as unreachable and lose its last values, and a read loop
// of its own would read every service every second while nobody looks.
import type { GuardInstanceStatus, GuardStatus } from '../api/types.ts';
import { ruleStatuses } from './rule-status.ts';
import { GuardScraper, NOT_READ, type GuardProgramView, type InstanceReading } from './scraper.ts';
import type { ProgramMetrics } from '../insight/scrape-config.ts';
import { guardTargets, type GuardProgramConfig, type GuardRow } from './targets.ts';

/** How long a status waits for a round of reads before it answers with the last values. */
export const STATUS_WAIT_MS = 50;
/** Values read more recently than this are fresh enough: no new round for a status. */
export const FRESH_MS = 1000;
/** One read's bound (the dashboard reads once a second). */
export const READ_TIMEOUT_MS = 800;

export interface GuardWatchOptions {
  /** dashboard.guard (empty without a dashboard): each program's rules file. */
  config: () => Readonly<Record<string, GuardProgramConfig>>;
  /** A program's `metrics:` field: where its instances serve their metrics, if the config says. */
  metrics?: (program: string) => ProgramMetrics | undefined;
  now?: () => number;
  readTimeoutMs?: number;
}

export class GuardWatch {
  readonly #o: GuardWatchOptions;
  readonly #now: () => number;
  readonly #scrapers = new Map<string, GuardScraper>();
  #round: Promise<void> | undefined;
  #roundStartedAt = -Infinity;

  constructor(o: GuardWatchOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** Reads every running instance once; resolves when every read answered or failed. */
  refresh(rows: readonly GuardRow[]): Promise<void> {
    this.#round ??= this.#read(rows).finally(() => (this.#round = undefined));
    return this.#round;
  }

  async #read(rows: readonly GuardRow[]): Promise<void> {
    this.#roundStartedAt = this.#now();
    const config = this.#o.config();
    const targets = guardTargets(rows, config, this.#o.metrics);
    // A program no longer running (or no longer announcing) drops the instances it had.
    for (const p of this.#scrapers.keys()) if (!targets.has(p)) targets.set(p, []);
    await Promise.all(
      [...targets].map(([program, instances]) => {
        let s = this.#scrapers.get(program);
        if (!s) this.#scrapers.set(program, (s = new GuardScraper(program, config[program]?.rules ?? null)));
        return s.scrape(instances, this.#now, this.#o.readTimeoutMs ?? READ_TIMEOUT_MS);
      }),
    );
  }

  /** The dashboard's view: rates, breakers and limits per program. */
  views(): GuardProgramView[] {
    return [...this.#scrapers.values()].map((s) => s.view());
  }

  /** Each program's cluster and adaptive rules per instance, within `waitMs` whatever its metrics do. */
  async status(rows: readonly GuardRow[], waitMs = STATUS_WAIT_MS): Promise<GuardStatus[]> {
    if (this.#round === undefined && this.#now() - this.#roundStartedAt >= FRESH_MS) void this.refresh(rows);
    // Not the reads of instances whose last read timed out: a wedged service would cost every status the whole wait.
    const reads = [...this.#scrapers.values()].flatMap((s) => s.pendingReads());
    if (reads.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(reads), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    }
    return this.report(waitMs);
  }

  /** What is known now, without reading. */
  report(waitMs = STATUS_WAIT_MS): GuardStatus[] {
    const now = this.#now();
    const out: GuardStatus[] = [];
    for (const s of [...this.#scrapers.values()].sort((a, b) => a.program.localeCompare(b.program))) {
      const instances = s
        .readings()
        .map((r) => instanceStatus(r, now, waitMs))
        .filter((i) => i.rules.length > 0 || i.error !== null);
      if (instances.length > 0) out.push({ program: s.program, instances });
    }
    return out;
  }
}

function instanceStatus(r: InstanceReading, now: number, waitMs: number): GuardInstanceStatus {
  const { liveReplicas, rules } = ruleStatuses(r.lastGood?.samples ?? []);
  let error: string | null = null;
  const waited = r.readingSince === null ? 0 : now - r.readingSince;
  // A read that started a moment ago (the dashboard's tick) is not late; one this status waited out is.
  if (waited >= waitMs) error = `metrics unreachable: no answer after ${waited} ms (still waiting; shown: the last answer)`;
  // The outcome of the last read that ended (none yet for an instance whose first read is under way).
  else if (!r.ok && !(r.readingSince !== null && r.lastGood === null && r.error === NOT_READ)) error = `metrics unreachable: ${r.error}`;
  return {
    id: r.id,
    url: r.url,
    readAt: r.lastGood ? new Date(r.lastGood.at).toISOString() : null,
    ageMs: r.lastGood ? Math.max(0, now - r.lastGood.at) : null,
    error,
    liveReplicas,
    rules,
  };
}
