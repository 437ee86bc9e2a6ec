// Rules whose resource names a route ("METHOD /path") that the app does not have. Resources of
// other shapes ("payments", an outbound call guarded with guard.wrap) are not routes and are
// left alone.
import { didYouMean } from '@holdfast/config/did-you-mean';
import type { NormalizedRules } from '../manager/validate.ts';

const ROUTE = /^[A-Z]+ \//;

export interface UnmatchedRule {
  ruleId: string;
  kind: string;
  resource: string;
  /** "did you mean 'GET /visits/:page'?", when one route is close. */
  hint?: string;
}

export function unmatchedRules(rules: NormalizedRules | null, routes: ReadonlySet<string>): UnmatchedRule[] {
  if (rules === null) return [];
  const out: UnmatchedRule[] = [];
  const check = (kind: string, ruleId: string, resource: string | undefined) => {
    if (resource === undefined || !ROUTE.test(resource) || routes.has(resource)) return;
    const method = resource.slice(0, resource.indexOf(' '));
    // Same method first: 'GET /visits/:id' means 'GET /visits/:page' rather than 'PUT /visits/:id'.
    const closest =
      didYouMean(
        resource,
        [...routes].filter((r) => r.startsWith(`${method} `)),
      ) ?? didYouMean(resource, routes);
    out.push(closest === undefined ? { ruleId, kind, resource } : { ruleId, kind, resource, hint: `did you mean '${closest}'?` });
  };
  for (const r of rules.flow) {
    check('flow', r.id, r.resource);
    check('flow', r.id, r.refResource);
  }
  for (const r of rules.breakers) check('breakers', r.id, r.resource);
  for (const r of rules.hotspot) check('hotspot', r.id, r.resource);
  for (const r of rules.isolation) check('isolation', r.id, r.resource);
  return out;
}
