// Adaptive system protection: the one guard-wide rule, its defaults and its validation.
import { type Issues, type Obj, type Path, bool, isObject, num, onlyKeys, str } from '../rule-fields.ts';
import type { SignalName } from '../signals/signals.ts';

/** Signals a system rule may trigger on, each compared with its own threshold. */
export const TRIGGERS = [
  'eventLoopDelayP99Ms',
  'eventLoopUtilization',
  'heapUsedRatio',
  'rssRatio',
  'cpuUsage',
  'inboundQps',
  'inboundAvgRtMs',
  'inboundConcurrency',
] as const satisfies readonly SignalName[];
const RATIOS = new Set<string>(['eventLoopUtilization', 'heapUsedRatio', 'rssRatio', 'cpuUsage']);

export interface SystemRule {
  id?: string;
  /** Event-loop delay p99 in ms over a sample interval. */
  eventLoopDelayP99Ms?: number;
  /** Event-loop utilisation, 0..1. */
  eventLoopUtilization?: number;
  /** V8 heap used / heap limit, 0..1. */
  heapUsedRatio?: number;
  /** RSS / the cgroup memory limit (or the constrained/total memory), 0..1. */
  rssRatio?: number;
  /** Process CPU / the CPU allowance (cgroup quota, or cpuCores), 0..1. */
  cpuUsage?: number;
  /** Inbound requests per second, their average RT (ms) and how many are in flight. */
  inboundQps?: number;
  inboundAvgRtMs?: number;
  inboundConcurrency?: number;
  /** The CPU allowance in cores when the cgroup cannot tell (Kata, serverless). */
  cpuCores?: number;
  /** Shedding winds down only once every signal is below (1 - hysteresis) x its trigger (default 0.3). */
  hysteresis?: number;
  /** Weight of a new, lower sample in each signal's moving average, 0 < x <= 1 (default 0.5)... */
  smoothing?: number;
  /** ...and of a new, higher one (default 0.8): signals rise fast and fall slowly. */
  attack?: number;
  /** How often signals are sampled (default 100 ms). */
  sampleIntervalMs?: number;
  /** Shedding probability added per sample while over a trigger (default 0.5). */
  riseStep?: number;
  /** How long shedding stays armed after the last sample over a trigger (default 2000 ms). */
  coolDownMs?: number;
  /** Window over which the BBR estimate (max pass rate x min RT) is taken (default 10000 ms in 20 buckets). */
  bbrWindowMs?: number;
  bbrBuckets?: number;
  /**
   * In-flight calls allowed above the BBR estimate, as a factor (default 1.25). Without it the
   * estimate could never grow past the pass rate seen before the overload (sentinel-golang#436:
   * a static BDP check that never probes); with it the pass rate climbs until RT rises.
   */
  bbrHeadroom?: number;
  dryRun?: boolean;
}

export type NormalizedSystemRule = Required<Omit<SystemRule, (typeof TRIGGERS)[number] | 'cpuCores'>> &
  Pick<SystemRule, (typeof TRIGGERS)[number] | 'cpuCores'>;

const KEYS = [
  ...TRIGGERS,
  'id',
  'cpuCores',
  'hysteresis',
  'smoothing',
  'attack',
  'sampleIntervalMs',
  'riseStep',
  'coolDownMs',
  'bbrWindowMs',
  'bbrBuckets',
  'bbrHeadroom',
  'dryRun',
];

export function validateSystemRule(r: unknown, path: Path, issues: Issues): NormalizedSystemRule | null {
  if (!isObject(r)) {
    issues.add(path, 'must be an object of signal thresholds, e.g. { eventLoopUtilization: 0.9 }');
    return null;
  }
  const o: Obj = r;
  onlyKeys(o, KEYS, path, issues);
  const rule: NormalizedSystemRule = {
    id: str(o, 'id', path, issues, false) ?? 'system',
    hysteresis: num(o, 'hysteresis', path, issues, { min: 0, max: 0.9 }) ?? 0.3,
    smoothing: num(o, 'smoothing', path, issues, { above: 0, max: 1 }) ?? 0.5,
    attack: num(o, 'attack', path, issues, { above: 0, max: 1 }) ?? 0.8,
    sampleIntervalMs: num(o, 'sampleIntervalMs', path, issues, { integer: true, min: 10, max: 60_000 }) ?? 100,
    riseStep: num(o, 'riseStep', path, issues, { above: 0, max: 1 }) ?? 0.5,
    coolDownMs: num(o, 'coolDownMs', path, issues, { min: 0, max: 600_000 }) ?? 2000,
    bbrWindowMs: num(o, 'bbrWindowMs', path, issues, { integer: true, min: 100, max: 600_000 }) ?? 10_000,
    // 500 ms buckets: the max pass rate of 100 ms buckets (kratos' default) mostly measures
    // how completions bunch up behind timers, overestimating what the process sustains.
    bbrBuckets: num(o, 'bbrBuckets', path, issues, { integer: true, min: 2, max: 1000 }) ?? 20,
    bbrHeadroom: num(o, 'bbrHeadroom', path, issues, { min: 1, max: 4 }) ?? 1.25,
    dryRun: bool(o, 'dryRun', path, issues) ?? false,
  };
  if (rule.bbrWindowMs % rule.bbrBuckets !== 0)
    issues.add([...path, 'bbrWindowMs'], `bbrWindowMs (${rule.bbrWindowMs}) must be a multiple of bbrBuckets (${rule.bbrBuckets})`);
  const cores = num(o, 'cpuCores', path, issues, { above: 0, max: 4096 });
  if (cores !== undefined) rule.cpuCores = cores;
  let triggers = 0;
  for (const t of TRIGGERS) {
    const v = num(o, t, path, issues, RATIOS.has(t) ? { above: 0, max: 1 } : { above: 0 });
    if (v !== undefined) {
      rule[t] = v;
      triggers++;
    }
  }
  if (triggers === 0 && Object.keys(o).every((k) => KEYS.includes(k))) {
    issues.add(path, `set at least one trigger: ${TRIGGERS.join(', ')}`);
  }
  return rule;
}
