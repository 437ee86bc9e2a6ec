// The zod schemas (for types, composition and JSON Schema) and the core validator (what
// loadRules runs) must agree. Valid rule sets pass both; any structural mutation (wrong type,
// out of range, unknown key or enum value, missing required field) fails both.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { z } from 'zod';
import {
  type BreakerRule,
  type FlowRule,
  type GuardRules,
  type HotspotRule,
  type IsolationRule,
  type SystemRule,
  validateRules,
} from '../../src/index.ts';
import {
  breakerRuleSchema,
  flowRuleSchema,
  hotspotRuleSchema,
  isolationRuleSchema,
  rulesSchema,
  systemRuleSchema,
} from '../../src/rules-entry.ts';

// Compile-time: what zod parses is assignable to the core's rule types.
const _flow: FlowRule = {} as z.infer<typeof flowRuleSchema>;
const _breaker: BreakerRule = {} as z.infer<typeof breakerRuleSchema>;
const _hotspot: HotspotRule = {} as z.infer<typeof hotspotRuleSchema>;
const _isolation: IsolationRule = {} as z.infer<typeof isolationRuleSchema>;
const _system: SystemRule = {} as z.infer<typeof systemRuleSchema>;
void [_flow, _breaker, _hotspot, _isolation, _system];

const valid: GuardRules[] = [
  { flow: [{ id: 'a', resource: 'r', threshold: 10 }] },
  {
    flow: [
      {
        id: 'a',
        resource: 'r',
        threshold: 10,
        strategy: 'warmUp',
        warmUpPeriodSec: 5,
        coldFactor: 2,
        behavior: 'throttling',
        maxQueueingTimeMs: 100,
      },
    ],
  },
  { flow: [{ id: 'a', resource: 'w', threshold: 10, relation: 'associated', refResource: 'r', metric: 'concurrency' }] },
  {
    flow: [
      {
        id: 'a',
        resource: 'r',
        threshold: 100,
        strategy: 'memoryAdaptive',
        memLowWatermark: 0.5,
        memHighWatermark: 0.8,
        highMemThreshold: 10,
        statIntervalMs: 500,
        statBuckets: 5,
        dryRun: true,
      },
    ],
  },
  {
    breakers: [
      {
        id: 'b',
        resource: 'r',
        strategy: 'slowRequestRatio',
        threshold: 0.5,
        maxAllowedRtMs: 200,
        probeNum: 3,
        probeSuccessThreshold: 2,
        backoffMultiplier: 2,
        maxRetryTimeoutMs: 60000,
        mode: 'normal',
      },
    ],
  },
  {
    breakers: [
      {
        id: 'b',
        resource: 'r',
        strategy: 'errorCount',
        threshold: 5,
        minRequestAmount: 10,
        statIntervalMs: 1000,
        retryTimeoutMs: 100,
        probeTimeoutMs: 500,
      },
    ],
  },
  {
    hotspot: [{ id: 'h', resource: 'r', threshold: 5, durationMs: 1000, burst: 2, overrides: { vip: 50 }, maxKeys: 100 }],
    isolation: [{ id: 'i', resource: 'r', maxConcurrency: 3 }],
  },
  { system: { eventLoopUtilization: 0.9, eventLoopDelayP99Ms: 100, cpuUsage: 0.8, cpuCores: 2, hysteresis: 0.2, sampleIntervalMs: 50 } },
  { $schema: './rules.schema.json', flow: null, system: null },
];

type Mutation = (r: Record<string, unknown>) => void;
const badValues: Record<string, unknown[]> = {
  threshold: [-1, '5', null, Infinity, NaN, true],
  id: ['', 7, null],
  resource: ['', 0],
  statIntervalMs: [0, 1.5, -10, 'x'],
  maxConcurrency: [-1, 1.5],
  strategy: ['bogus', 3],
  metric: ['rps'],
  behavior: ['drop'],
  mode: ['open'],
  dryRun: ['yes', 1],
  probeNum: [0, 2.5],
  eventLoopUtilization: [0, 1.5, -0.1],
  maxKeys: [0],
};

function mutations(rule: Record<string, unknown>): Mutation[] {
  const out: Mutation[] = [(r) => void (r.unknownField = 1)];
  for (const key of Object.keys(rule)) {
    for (const v of badValues[key] ?? []) out.push((r) => void (r[key] = v));
    if (['id', 'resource', 'threshold', 'maxConcurrency'].includes(key)) out.push((r) => void delete r[key]);
  }
  return out;
}

const kinds = ['flow', 'breakers', 'hotspot', 'isolation'] as const;
const schemaOf = { flow: flowRuleSchema, breakers: breakerRuleSchema, hotspot: hotspotRuleSchema, isolation: isolationRuleSchema };

describe('zod schemas and the core validator', () => {
  it('both accept every valid rule set, and the normalized form (defaults filled in) validates again', () => {
    for (const rules of valid) {
      const core = validateRules(rules);
      assert.ok(core.ok, JSON.stringify(core));
      assert.ok(rulesSchema.safeParse(rules).success, JSON.stringify(rules));
      const again = validateRules(core.rules);
      assert.ok(again.ok, JSON.stringify(again));
      assert.deepEqual(again.rules, core.rules);
      assert.ok(rulesSchema.safeParse(JSON.parse(JSON.stringify(core.rules))).success);
    }
  });

  it('both reject any structural mutation of a valid rule', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.nat(), (vi, mi) => {
        const rules = structuredClone(valid[vi]!) as Record<string, unknown>;
        const targets: Record<string, unknown>[] = [];
        for (const k of kinds) for (const r of (rules[k] as Record<string, unknown>[] | null | undefined) ?? []) targets.push(r);
        if (rules.system) targets.push(rules.system as Record<string, unknown>);
        if (targets.length === 0) return;
        const target = targets[mi % targets.length]!;
        const ms = mutations(target);
        ms[mi % ms.length]!(target);
        const core = validateRules(rules);
        const zod = rulesSchema.safeParse(rules);
        assert.equal(core.ok, false, `core accepted ${JSON.stringify(rules)}`);
        assert.equal(zod.success, false, `zod accepted ${JSON.stringify(rules)}`);
        // And they blame the same place (zod reports an unknown key at its object).
        const corePaths = (core as { issues: { path: unknown[] }[] }).issues.map((i) => i.path.join('.'));
        const zodPaths = zod.error!.issues.map((i) => i.path.join('.'));
        assert.ok(
          zodPaths.some((z) => corePaths.some((c) => c === z || c.startsWith(`${z}.`))),
          `core ${corePaths} vs zod ${zodPaths}`,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('the per-kind schemas are the ones the rule-set schema uses', () => {
    for (const k of kinds) assert.ok(schemaOf[k].safeParse((valid.find((v) => v[k]?.length)![k] as unknown[])[0]).success, k);
    assert.ok(systemRuleSchema.safeParse(valid.find((v) => v.system)!.system).success);
  });
});
