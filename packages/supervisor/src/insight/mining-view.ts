// What the daemon's miner shows the outside: a program's effective options (the section's
// defaults under its own), its templates as the API serves them (with a trend from the
// detector's rate), and the miner's signals as supervisor events.
import type { DetectorOptions, PatternDetector, PatternSignal, ProgramMinerOptions, Template } from '@holdfast/insight/mining';
import { levelName } from '@holdfast/insight/mining';
import type { MiningSettings } from './mining-paths.ts';

/** The daemon keeps fewer templates per program than the library's default: it mines every program for months. */
const DAEMON_MAX_TEMPLATES = 1000;

export type Trend = 'new' | 'rising' | 'steady' | 'falling' | 'quiet';

export interface TemplateInfo {
  id: string;
  template: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The most severe level its lines carried (null: none did). */
  level: string | null;
  example: string;
  /** Ids this template absorbed when it generalised (they resolve to it). */
  absorbed: string[];
  /** Lines in the detector's last window, and what the template's baseline expects for one. */
  window: { count: number; baseline: number; ms: number } | null;
  trend: Trend;
}

export interface PatternsReport {
  program: string;
  templates: TemplateInfo[];
  stats: {
    lines: number;
    events: number;
    mined: number;
    /** Lines not mined (the CPU share was used up, or the queue full): sampling, not loss; the log files have them. */
    shedLines: number;
    shedBytes: number;
    truncated: number;
    invalidUtf8: number;
    binary: number;
    templates: number;
    evicted: number;
    byLevel: Record<string, number>;
  };
}

export interface MiningStatus {
  programs: number;
  templates: number;
  minedLines: number;
  /** Lines not mined for want of CPU share (the log files have them). */
  shedLines: number;
  /** Output waiting for the miner (bounded). */
  queuedBytes: number;
  /** CPU time spent mining, and the share of a core it may take. */
  cpuMs: number;
  cpuShare: number;
}

export type TemplateEvent =
  | {
      type: 'template.new';
      program: string;
      instance: string | null;
      at: string;
      id: string;
      template: string;
      level: string | null;
      example: string;
      reason: 'level' | 'settled';
    }
  | {
      type: 'template.burst';
      program: string;
      instance: string | null;
      at: string;
      id: string;
      template: string;
      level: string | null;
      windowCount: number;
      baselineCount: number;
      windowMs: number;
    };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** b over a, objects merged key by key (masks, detector), everything else replaced. */
function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObj(v) && isObj(out[k]) ? merge(out[k], v) : v;
  return out;
}

/** A program's miner options, or undefined when it is not mined. */
export function programMinerOptions(
  config: MiningSettings,
  own: boolean | ProgramMinerOptions | undefined,
): ProgramMinerOptions | undefined {
  if (own === false || (own === undefined && !config.enabled)) return undefined;
  const base = merge({ miner: { maxTemplates: DAEMON_MAX_TEMPLATES } }, config.defaults as Record<string, unknown>);
  return (isObj(own) ? merge(base, own) : base) as ProgramMinerOptions;
}

export function templateEvent(program: string, instance: string | undefined, s: PatternSignal): TemplateEvent {
  const base = {
    program,
    instance: instance ?? null,
    at: new Date(s.at).toISOString(),
    id: s.id,
    template: s.template,
    level: levelName(s.level) ?? null,
  };
  if (s.type === 'template.new') return { type: 'template.new', ...base, example: s.example, reason: s.reason };
  return {
    type: 'template.burst',
    ...base,
    windowCount: s.windowCount,
    baselineCount: Math.round(s.baselineCount * 100) / 100,
    windowMs: s.windowMs,
  };
}

export function templateInfo(
  t: Template,
  rate: { windowCount: number; baselineCount: number } | undefined,
  detector: Readonly<Required<DetectorOptions>> | undefined,
  now: number,
): TemplateInfo {
  const windowMs = detector ? detector.bucketMs * detector.windowBuckets : 0;
  let trend: Trend = 'steady';
  if (rate) {
    if (now - t.firstSeen < windowMs) trend = 'new';
    else if (rate.windowCount === 0) trend = 'quiet';
    else if (rate.windowCount > 2 * rate.baselineCount + 1) trend = 'rising';
    else if (rate.windowCount < 0.5 * rate.baselineCount) trend = 'falling';
  } else if (now - t.lastSeen > windowMs) trend = 'quiet';
  return {
    id: t.id,
    template: t.text,
    count: t.count,
    firstSeen: new Date(t.firstSeen).toISOString(),
    lastSeen: new Date(t.lastSeen).toISOString(),
    level: levelName(t.level) ?? null,
    example: t.example,
    absorbed: t.absorbed.slice(),
    window: rate ? { count: rate.windowCount, baseline: Math.round(rate.baselineCount * 100) / 100, ms: windowMs } : null,
    trend,
  };
}

/** How long a template stays marked new after its template.new signal, and bursting at most after its template.burst. */
export const NEW_FOR_MS = 10 * 60_000;

/** A template as the dashboard's log patterns section lists it. */
export interface TemplateRow {
  id: string;
  text: string;
  level: string | null;
  count: number;
  /** Lines a minute over the detector's window (null: the program's detector is off). */
  perMinute: number | null;
  /** A template.new signal named it in the last NEW_FOR_MS. */
  isNew: boolean;
  /** In a burst episode: a template.burst signal named it and its rate has not fallen back yet. */
  bursting: boolean;
  firstSeen: string;
}

export interface ProgramPatterns {
  program: string;
  /** At most `top` rows: bursting first, then new, then by rate and count. */
  templates: TemplateRow[];
  /** Templates the miner holds for the program. */
  total: number;
  mined: number;
  shedLines: number;
}

/** When the miner's signals last named a template (kept per program, a few entries). */
export interface SignalMarks {
  newAt: number | null;
  burstAt: number | null;
  /** The baseline (lines a window) the burst rose from. */
  burstBaseline: number;
}

/**
 * A burst goes on while its window holds half the burst thresholds, measured against the baseline
 * it rose from (the detector's re-arm rule, but the detector's baseline climbs with the burst
 * itself: a new template's first busy bucket becomes its baseline a bucket later), for at most
 * NEW_FOR_MS: a rate that stays up that long is the template's new normal.
 */
export function burstGoesOn(
  o: Readonly<Required<DetectorOptions>>,
  rate: { windowCount: number } | undefined,
  mark: SignalMarks | undefined,
  now: number,
): boolean {
  return (
    !!rate &&
    mark?.burstAt != null &&
    now - mark.burstAt < NEW_FOR_MS &&
    rate.windowCount >= o.burstMinCount / 2 &&
    rate.windowCount >= (o.burstFactor / 2) * mark.burstBaseline
  );
}

/**
 * A program's top templates. Rates are read only for templates seen within the detector's window
 * (the rest are at 0 a minute), so the cost follows the active templates, not the table's size.
 * A burst ends as the detector re-arms: its window falls under half the burst thresholds.
 */
export function topTemplates(
  templates: readonly Template[],
  detector: Pick<PatternDetector, 'options' | 'rate'> | undefined,
  marks: ReadonlyMap<string, SignalMarks>,
  now: number,
  top: number,
): TemplateRow[] {
  const o = detector?.options;
  const windowMs = o ? o.bucketMs * o.windowBuckets : 0;
  const rows: TemplateRow[] = [];
  for (const t of templates) {
    const rate = o && now - t.lastSeen < windowMs + o.bucketMs ? detector!.rate(t.id, now) : undefined;
    const mark = marks.get(t.id);
    const bursting = !!o && burstGoesOn(o, rate, mark, now);
    rows.push({
      id: t.id,
      text: t.text,
      level: levelName(t.level) ?? null,
      count: t.count,
      perMinute: o ? Math.round((((rate?.windowCount ?? 0) * 60_000) / windowMs) * 10) / 10 : null,
      isNew: mark?.newAt != null && now - mark.newAt < NEW_FOR_MS,
      bursting,
      firstSeen: new Date(t.firstSeen).toISOString(),
    });
  }
  rows.sort(
    (a, b) =>
      Number(b.bursting) - Number(a.bursting) ||
      Number(b.isNew) - Number(a.isNew) ||
      (b.perMinute ?? 0) - (a.perMinute ?? 0) ||
      b.count - a.count,
  );
  return rows.slice(0, top);
}

/**
 * Ages a program's marks (every 10 s): new ones end after NEW_FOR_MS, a burst when its rate falls
 * back (`burstOn`), and an absorbed id's mark moves to the template that absorbed it (`resolve`).
 */
export function ageMarks(
  marks: Map<string, SignalMarks>,
  resolve: (id: string) => string | undefined,
  burstOn: (id: string, mark: SignalMarks) => boolean,
  now: number,
): void {
  const next = new Map<string, SignalMarks>();
  for (const [id, mark] of marks) {
    const live = resolve(id);
    if (live === undefined) continue;
    const newAt = mark.newAt !== null && now - mark.newAt < NEW_FOR_MS ? mark.newAt : null;
    const burstAt = mark.burstAt !== null && burstOn(live, mark) ? mark.burstAt : null;
    if (newAt === null && burstAt === null) continue;
    const had = next.get(live);
    next.set(live, {
      newAt: Math.max(had?.newAt ?? 0, newAt ?? 0) || null,
      burstAt: Math.max(had?.burstAt ?? 0, burstAt ?? 0) || null,
      burstBaseline: Math.max(had?.burstBaseline ?? 0, burstAt === null ? 0 : mark.burstBaseline),
    });
  }
  marks.clear();
  for (const [id, mark] of next) marks.set(id, mark);
}
