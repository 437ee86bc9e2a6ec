// zod schemas of the rule set, for TypeScript users composing rules into their own config
// schemas and for the JSON Schema editors use. They describe the structure (types, ranges,
// enums, unknown keys); the cross-field checks (warmUp needs warmUpPeriodSec, unique ids, ...)
// stay in the core validator, which parseRules() and guard.loadRules() always run. A test keeps
// the two in agreement on structure.
import { z } from 'zod';
import { BREAKER_MODES, BREAKER_STRATEGIES } from '../breaker/rule.ts';
import { FLOW_BEHAVIORS, FLOW_METRICS, FLOW_RELATIONS, FLOW_STRATEGIES } from '../flow/rule.ts';
import { HOTSPOT_METRICS } from '../hotspot/rule.ts';

const id = z.string().min(1).describe('Unique id of the rule across the whole rule set (names it in logs, metrics and diffs)');
const resource = z.string().min(1).describe('The resource the rule guards, e.g. "GET /orders/:id" or "inventory"');
const dryRun = z.boolean().optional().describe('Log and count "would block" without blocking');
const ms = (max: number) => z.number().int().min(1).max(max);

export const flowRuleSchema = z
  .strictObject({
    id,
    resource,
    metric: z
      .enum(FLOW_METRICS)
      .optional()
      .describe("What the threshold limits: passes per statIntervalMs ('qps') or calls in flight ('concurrency')"),
    threshold: z.number().min(0).describe('Passes per statIntervalMs (per second by default), or calls in flight'),
    strategy: z
      .enum(FLOW_STRATEGIES)
      .optional()
      .describe('direct: the threshold as is; warmUp: ramp from threshold/coldFactor; memoryAdaptive: scale with heap use'),
    behavior: z.enum(FLOW_BEHAVIORS).optional().describe('reject over the threshold, or pace requests into a queue (throttling)'),
    relation: z
      .enum(FLOW_RELATIONS)
      .optional()
      .describe("Whose traffic is measured: this resource ('current') or refResource ('associated')"),
    refResource: z.string().min(1).optional(),
    statIntervalMs: ms(3_600_000).optional(),
    statBuckets: z.number().int().min(1).max(1000).optional(),
    warmUpPeriodSec: z.number().gt(0).max(86_400).optional(),
    coldFactor: z.number().gt(1).max(1000).optional(),
    maxQueueingTimeMs: z.number().min(0).max(3_600_000).optional(),
    memLowWatermark: z.number().min(0).max(1).optional(),
    memHighWatermark: z.number().min(0).max(1).optional(),
    highMemThreshold: z.number().min(0).optional(),
    minLimit: z.number().min(1).optional().describe('adaptive: the lowest the limit goes (default 1)'),
    maxLimit: z.number().min(1).optional().describe('adaptive: the highest the limit goes (default max(threshold, 1000))'),
    rttTolerance: z
      .number()
      .min(1)
      .max(10)
      .optional()
      .describe('adaptive: latency over the no-load RTT tolerated before the limit shrinks (default 1.5)'),
    clusterMode: z
      .boolean()
      .optional()
      .describe('The threshold is global across replicas, through the cluster store (Redis); metric qps, strategy direct, behavior reject'),
    dryRun,
  })
  .describe('A flow rule: QPS or concurrency limit for one resource');

export const breakerRuleSchema = z
  .strictObject({
    id,
    resource,
    strategy: z.enum(BREAKER_STRATEGIES),
    threshold: z
      .number()
      .gt(0)
      .describe('A ratio (0 < x <= 1) for the ratio strategies, a count (integer >= 1) for errorCount/consecutiveFailures'),
    maxAllowedRtMs: z.number().gt(0).optional(),
    minRequestAmount: z.number().int().min(0).optional(),
    statIntervalMs: ms(3_600_000).optional(),
    statBuckets: z.number().int().min(1).max(1000).optional(),
    retryTimeoutMs: z.number().min(0).max(86_400_000).optional(),
    backoffMultiplier: z.number().min(1).max(100).optional(),
    maxRetryTimeoutMs: z.number().min(0).max(86_400_000).optional(),
    probeNum: z.number().int().min(1).max(10_000).optional(),
    probeSuccessThreshold: z.number().int().min(1).optional(),
    probeTimeoutMs: z.number().gt(0).max(86_400_000).optional(),
    mode: z.enum(BREAKER_MODES).optional(),
    dryRun,
  })
  .describe('A circuit breaker on one resource');

export const hotspotRuleSchema = z
  .strictObject({
    id,
    resource,
    metric: z.enum(HOTSPOT_METRICS).optional(),
    threshold: z.number().min(0).describe('The per-key limit'),
    durationMs: z.number().gt(0).max(86_400_000).optional(),
    burst: z.number().min(0).optional(),
    overrides: z.record(z.string(), z.number().min(0)).optional().describe('Per-key thresholds'),
    maxKeys: z.number().int().min(1).max(10_000_000).optional(),
    clusterMode: z
      .boolean()
      .optional()
      .describe("Each key's threshold is global across replicas, through the cluster store (Redis); metric qps, no burst"),
    dryRun,
  })
  .describe('A per-key (hot-parameter) limit');

export const isolationRuleSchema = z
  .strictObject({ id, resource, maxConcurrency: z.number().int().min(0), dryRun })
  .describe('A bulkhead: at most maxConcurrency calls in flight');

const ratio = z.number().gt(0).max(1);
export const systemRuleSchema = z
  .strictObject({
    id: z.string().min(1).optional(),
    eventLoopDelayP99Ms: z.number().gt(0).optional(),
    eventLoopUtilization: ratio.optional(),
    heapUsedRatio: ratio.optional(),
    rssRatio: ratio.optional(),
    cpuUsage: ratio.optional(),
    inboundQps: z.number().gt(0).optional(),
    inboundAvgRtMs: z.number().gt(0).optional(),
    inboundConcurrency: z.number().gt(0).optional(),
    cpuCores: z.number().gt(0).max(4096).optional(),
    hysteresis: z.number().min(0).max(0.9).optional(),
    smoothing: ratio.optional(),
    attack: ratio.optional(),
    sampleIntervalMs: z.number().int().min(10).max(60_000).optional(),
    riseStep: ratio.optional(),
    coolDownMs: z.number().min(0).max(600_000).optional(),
    bbrWindowMs: z.number().int().min(100).max(600_000).optional(),
    bbrBuckets: z.number().int().min(2).max(1000).optional(),
    bbrHeadroom: z.number().min(1).max(4).optional(),
    dryRun,
  })
  .describe('Adaptive system protection: triggers per signal, shedding gated by the BBR estimate');

export const rulesSchema = z
  .strictObject({
    $schema: z.string().optional(),
    flow: z.array(flowRuleSchema).nullish(),
    breakers: z.array(breakerRuleSchema).nullish(),
    hotspot: z.array(hotspotRuleSchema).nullish(),
    isolation: z.array(isolationRuleSchema).nullish(),
    system: systemRuleSchema.nullish(),
  })
  .describe('@holdfast/guard rules');

/** The JSON Schema of a rules file (for editors: `$schema` in the file, or yaml-language-server). */
export function rulesJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(rulesSchema, { io: 'input' }), title: '@holdfast/guard rules' };
}
