// Flow rules: the data, its defaults and its validation (the checker is in checker.ts).
import { type Issues, type Obj, type Path, bool, num, oneOf, onlyKeys, ruleHead, str, windowShape } from '../rule-fields.ts';
import { NODE_BUCKETS, NODE_INTERVAL_MS } from '../stat/resource-node.ts';

export const FLOW_METRICS = ['qps', 'concurrency'] as const;
export const FLOW_STRATEGIES = ['direct', 'warmUp', 'memoryAdaptive', 'adaptive'] as const;
export const FLOW_BEHAVIORS = ['reject', 'throttling'] as const;
export const FLOW_RELATIONS = ['current', 'associated'] as const;

/** The statistics window resources keep by default; rules with another interval keep their own. */
export const DEFAULT_STAT_INTERVAL_MS = NODE_INTERVAL_MS;
export const DEFAULT_STAT_BUCKETS = NODE_BUCKETS;

export interface FlowRule {
  id: string;
  resource: string;
  /** What the threshold limits: passes per statIntervalMs ('qps', default) or calls in flight. */
  metric?: (typeof FLOW_METRICS)[number];
  /** Passes per statIntervalMs (with the default 1000 ms: per second), or calls in flight. */
  threshold: number;
  /**
   * How the allowed amount is computed: the threshold as is, a warm-up curve, scaled by heap use,
   * or (adaptive, metric concurrency) found from latency, starting at `threshold`.
   */
  strategy?: (typeof FLOW_STRATEGIES)[number];
  /** Over the threshold: reject at once, or pace requests into a queue (throttling). */
  behavior?: (typeof FLOW_BEHAVIORS)[number];
  /** Whose traffic is measured: this resource, or `refResource` (limit writes while reads are hot). */
  relation?: (typeof FLOW_RELATIONS)[number];
  refResource?: string;
  /** Statistics window; must be a multiple of statBuckets. Default 1000. */
  statIntervalMs?: number;
  statBuckets?: number;
  /** warmUp: seconds from cold to full threshold (required), and how much lower the cold rate is (default 3). */
  warmUpPeriodSec?: number;
  coldFactor?: number;
  /** throttling: the longest a request may wait in the paced queue before it is rejected (default 500). */
  maxQueueingTimeMs?: number;
  /** memoryAdaptive: heap use (fraction of the heap limit) below which `threshold` applies... */
  memLowWatermark?: number;
  /** ...and above which `highMemThreshold` applies; linear in between. */
  memHighWatermark?: number;
  highMemThreshold?: number;
  /** adaptive: the bounds of the limit (default 1 and max(threshold, 1000))... */
  minLimit?: number;
  maxLimit?: number;
  /** ...and the latency over the no-load RTT tolerated before it shrinks (default 1.5 = +50 %). */
  rttTolerance?: number;
  /**
   * The threshold is global across every replica of the service, enforced through the guard's
   * cluster store (Redis). Needs metric qps, strategy direct, behavior reject.
   */
  clusterMode?: boolean;
  /** Log and count "would block" without blocking. */
  dryRun?: boolean;
}

type StrategyFields =
  | 'refResource'
  | 'warmUpPeriodSec'
  | 'memLowWatermark'
  | 'memHighWatermark'
  | 'highMemThreshold'
  | 'minLimit'
  | 'maxLimit'
  | 'rttTolerance';
export type NormalizedFlowRule = Required<Omit<FlowRule, StrategyFields>> & Pick<FlowRule, StrategyFields>;

const KEYS = [
  'id',
  'resource',
  'metric',
  'threshold',
  'strategy',
  'behavior',
  'relation',
  'refResource',
  'statIntervalMs',
  'statBuckets',
  'warmUpPeriodSec',
  'coldFactor',
  'maxQueueingTimeMs',
  'memLowWatermark',
  'memHighWatermark',
  'highMemThreshold',
  'minLimit',
  'maxLimit',
  'rttTolerance',
  'clusterMode',
  'dryRun',
] as const;

export function validateFlowRule(r: Obj, path: Path, issues: Issues): NormalizedFlowRule {
  onlyKeys(r, KEYS, path, issues);
  const head = ruleHead(r, path, issues);
  const metric = oneOf(r, 'metric', path, issues, FLOW_METRICS, 'qps');
  const threshold =
    num(r, 'threshold', path, issues, { required: true, min: 0, what: 'passes per statIntervalMs, or calls in flight' }) ?? 0;
  const strategy = oneOf(r, 'strategy', path, issues, FLOW_STRATEGIES, 'direct');
  const behavior = oneOf(r, 'behavior', path, issues, FLOW_BEHAVIORS, 'reject');
  const relation = oneOf(r, 'relation', path, issues, FLOW_RELATIONS, 'current');
  const refResource = str(r, 'refResource', path, issues, relation === 'associated');
  const statIntervalMs = num(r, 'statIntervalMs', path, issues, { integer: true, min: 1, max: 3_600_000 }) ?? DEFAULT_STAT_INTERVAL_MS;
  const statBuckets =
    num(r, 'statBuckets', path, issues, { integer: true, min: 1, max: 1000 }) ??
    (statIntervalMs % DEFAULT_STAT_BUCKETS === 0 ? DEFAULT_STAT_BUCKETS : 1);
  windowShape(statIntervalMs, statBuckets, [...path, 'statIntervalMs'], issues);
  const rule: NormalizedFlowRule = {
    ...head,
    metric,
    threshold,
    strategy,
    behavior,
    relation,
    statIntervalMs,
    statBuckets,
    coldFactor: num(r, 'coldFactor', path, issues, { above: 1, max: 1000 }) ?? 3,
    maxQueueingTimeMs: num(r, 'maxQueueingTimeMs', path, issues, { min: 0, max: 3_600_000 }) ?? 500,
    clusterMode: bool(r, 'clusterMode', path, issues) ?? false,
  };
  if (refResource !== undefined) rule.refResource = refResource;
  if (relation === 'current' && r.refResource !== undefined)
    issues.add([...path, 'refResource'], `refResource is only used with relation 'associated'; remove it or set relation: associated`);
  if (relation === 'associated' && refResource === head.resource && refResource)
    issues.add([...path, 'refResource'], `refResource must name another resource than '${head.resource}'`);
  if (
    relation === 'associated' &&
    (statIntervalMs !== DEFAULT_STAT_INTERVAL_MS || statBuckets !== DEFAULT_STAT_BUCKETS) &&
    (r.statIntervalMs !== undefined || r.statBuckets !== undefined)
  ) {
    issues.add(
      [...path, 'statIntervalMs'],
      `an associated rule ` +
        `reads ${refResource ?? 'refResource'}'s own window ` +
        `(${DEFAULT_STAT_INTERVAL_MS} ` +
        `ms, ${DEFAULT_STAT_BUCKETS} buckets); remove statIntervalMs/statBuckets`,
    );
  }

  if (metric === 'concurrency') {
    if (behavior === 'throttling')
      issues.add(
        [...path, 'behavior'],
        `throttling paces passes per interval; it cannot apply to metric 'concurrency' (use behavior: reject)`,
      );
    if (strategy === 'warmUp') issues.add([...path, 'strategy'], `warmUp ramps a rate; it cannot apply to metric 'concurrency'`);
  }
  if (strategy === 'warmUp') {
    const period = num(r, 'warmUpPeriodSec', path, issues, {
      required: true,
      above: 0,
      max: 86_400,
      what: 'seconds from cold to the full threshold',
    });
    if (period !== undefined) rule.warmUpPeriodSec = period;
    if (threshold === 0 && r.threshold !== undefined) issues.add([...path, 'threshold'], 'warmUp needs a threshold > 0');
  } else if (r.warmUpPeriodSec !== undefined) {
    issues.add([...path, 'warmUpPeriodSec'], `warmUpPeriodSec is only used with strategy 'warmUp'`);
  }
  if (strategy === 'memoryAdaptive') {
    const low = num(r, 'memLowWatermark', path, issues, { required: true, min: 0, max: 1, what: 'fraction of the heap limit, e.g. 0.5' });
    const high = num(r, 'memHighWatermark', path, issues, { required: true, min: 0, max: 1, what: 'fraction of the heap limit, e.g. 0.8' });
    const highThreshold = num(r, 'highMemThreshold', path, issues, {
      required: true,
      min: 0,
      what: 'the threshold at or above memHighWatermark',
    });
    if (low !== undefined && high !== undefined && low >= high)
      issues.add([...path, 'memHighWatermark'], `memHighWatermark (${high}) must be greater than memLowWatermark (${low})`);
    if (highThreshold !== undefined && highThreshold > threshold)
      issues.add(
        [...path, 'highMemThreshold'],
        `highMemThreshold (${highThreshold}) should not exceed threshold (${threshold}): memory pressure lowers the limit`,
      );
    rule.memLowWatermark = low;
    rule.memHighWatermark = high;
    rule.highMemThreshold = highThreshold;
  } else {
    for (const k of ['memLowWatermark', 'memHighWatermark', 'highMemThreshold'] as const) {
      if (r[k] !== undefined) issues.add([...path, k], `${k} is only used with strategy 'memoryAdaptive'`);
    }
  }
  if (strategy === 'adaptive') validateAdaptive(r, rule, path, issues);
  else
    for (const k of ['minLimit', 'maxLimit', 'rttTolerance'] as const)
      if (r[k] !== undefined) issues.add([...path, k], `${k} is only used with strategy 'adaptive'`);
  if (rule.clusterMode) validateCluster(rule, path, issues);
  return rule;
}

function validateAdaptive(r: Obj, rule: NormalizedFlowRule, path: Path, issues: Issues): void {
  if (rule.metric !== 'concurrency')
    issues.add([...path, 'metric'], `strategy 'adaptive' finds a concurrency limit: set metric: concurrency`);
  const min = num(r, 'minLimit', path, issues, { min: 1 }) ?? 1;
  const max = num(r, 'maxLimit', path, issues, { min: 1 }) ?? Math.max(rule.threshold, 1000);
  if (min > max) issues.add([...path, 'maxLimit'], `maxLimit (${max}) must be >= minLimit (${min})`);
  if (rule.threshold < min || rule.threshold > max)
    issues.add(
      [...path, 'threshold'],
      `the starting limit (threshold ${rule.threshold}) must lie within minLimit..maxLimit (${min}..${max})`,
    );
  rule.minLimit = min;
  rule.maxLimit = max;
  rule.rttTolerance = num(r, 'rttTolerance', path, issues, { min: 1, max: 10 }) ?? 1.5;
}

function validateCluster(rule: NormalizedFlowRule, path: Path, issues: Issues): void {
  const why = (field: string, value: string, need: string) =>
    issues.add(
      [...path, field],
      `a clusterMode rule counts passes per window across replicas: ${field} '${value}' cannot be shared that way (use ${need})`,
    );
  if (rule.metric !== 'qps') why('metric', rule.metric, 'metric: qps, or a local rule');
  if (rule.strategy !== 'direct') why('strategy', rule.strategy, 'strategy: direct');
  if (rule.behavior !== 'reject') why('behavior', rule.behavior, 'behavior: reject');
  if (rule.relation !== 'current') why('relation', rule.relation, 'relation: current');
}
