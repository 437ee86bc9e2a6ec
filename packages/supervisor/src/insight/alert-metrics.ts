// The registry check of the alerts:/slos: sections, in the daemon: the config loader cannot see
// the services' registries (nothing runs yet), so once every program's /metrics has been read,
// each metric a baseline or SLO names is looked up in what they list. A name no program lists is
// said once, with its config path and the nearest name that exists: the rule would never fire.
import { didYouMean } from '@holdfast/config/did-you-mean';
import type { AlertsConfig } from '@holdfast/insight/promql';

export interface MissingMetric {
  path: string;
  metric: string;
  message: string;
}

export function missingMetrics(config: Pick<AlertsConfig, 'baselines' | 'slos'>, families: ReadonlySet<string>): MissingMetric[] {
  const out: MissingMetric[] = [];
  const check = (path: string, metric: string) => {
    if (!metric || families.has(metric)) return;
    const guess = didYouMean(metric, families);
    out.push({
      path,
      metric,
      message:
        `${path}: no program's /metrics lists ` +
        `'${metric}'${guess ? ` (did you mean ` + `'${guess}'?)` : ''}: the ` +
        `rule reads nothing and never fires`,
    });
  };
  config.baselines.forEach((b, i) => check(`alerts.baselines[${i}].metric`, b.metric));
  config.slos.forEach((s, i) => check(`slos[${i}].indicator`, s.indicator === 'availability' ? s.requestsMetric : s.durationMetric));
  return out;
}
