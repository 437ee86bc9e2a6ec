// What the daemon's miner shows the outside: a program's effective options (the section's
// defaults under its own), its templates as the API serves them (with a trend from the
// detector's rate), and the miner's signals as supervisor events.
import type { DetectorOptions, PatternSignal, ProgramMinerOptions, Template } from '@holdfast/insight/mining';
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
