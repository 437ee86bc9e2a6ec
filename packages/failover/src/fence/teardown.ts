// What the fence does when it fires: the leader's demotion, done from outside the agent. It
// builds the same Resource objects the agent runs (from the same validated configs) and calls
// their stop(), in the agent's demotion order: VIPs first (traffic leaves before anything else
// changes), then the other resources in reverse config order. stop() is idempotent and needs no
// leadership, so running it while the agent does the same (a race at the deadline) is harmless.
import type { Logger } from 'pino';
import { actionEnv, type Resource, type ResourceBaseConfig, type ResourceKind } from '../resources/resource.ts';
import type { StepResult } from './protocol.ts';

export interface TeardownPlan {
  node: string;
  cluster: string;
  resources: Resource[];
  /** Config errors found while building (a kind unknown here): reported with every firing. */
  problems: StepResult[];
}

export function buildTeardown(
  kinds: readonly ResourceKind<any>[],
  configs: ReadonlyArray<ResourceBaseConfig & { kind: string }>,
  deps: { node: string; cluster: string; log: Logger },
): TeardownPlan {
  const resources: Resource[] = [];
  const problems: StepResult[] = [];
  for (const raw of configs) {
    const kind = kinds.find((k) => k.kind === raw.kind);
    try {
      if (!kind) throw new Error(`unknown resource kind '${raw.kind}'`);
      resources.push(kind.create(kind.schema.parse(raw), deps));
    } catch (err) {
      problems.push({ resource: raw.name, ok: false, error: (err as Error).message, tookMs: 0 });
    }
  }
  const first = resources.filter((r) => r.stopFirst);
  const rest = resources.filter((r) => !r.stopFirst).reverse();
  return { node: deps.node, cluster: deps.cluster, resources: [...first, ...rest], problems };
}

/** Stops every resource of the plan for `token`, each bounded by its own timeout; never throws. */
export async function runTeardown(plan: TeardownPlan, token: number, log: Logger): Promise<StepResult[]> {
  const results: StepResult[] = [...plan.problems];
  for (const r of plan.resources) {
    const started = performance.now();
    try {
      await r.stop({
        node: plan.node,
        cluster: plan.cluster,
        token,
        env: actionEnv(plan.node, plan.cluster, token),
        signal: AbortSignal.timeout(r.timeoutMs),
        log,
      });
      results.push({ resource: r.name, ok: true, tookMs: performance.now() - started });
    } catch (err) {
      results.push({ resource: r.name, ok: false, error: (err as Error).message, tookMs: performance.now() - started });
    }
  }
  return results;
}
