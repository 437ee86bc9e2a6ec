// From validated alert definitions to a Prometheus rule file: one group per baseline, one per
// SLO. The output is data; the CLI writes it as YAML, the backtest and the daemon evaluate it.
import type { RuleFile } from '../rules/rule-file.ts';
import { baselineGroup } from './baseline-rules.ts';
import { sloGroup } from './slo-rules.ts';
import type { AlertsConfig } from './types.ts';

export function generateRules(config: Pick<AlertsConfig, 'baselines' | 'slos'>): RuleFile {
  return { groups: [...config.baselines.map(baselineGroup), ...config.slos.map(sloGroup)] };
}
