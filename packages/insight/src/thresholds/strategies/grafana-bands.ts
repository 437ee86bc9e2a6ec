// The band shape of Grafana's promql-anomaly-detection, shared by the adaptive and robust
// strategies: the widest of a short-term band (centre ± k × spread), a margin band (centre ±
// m × centre) and the bands learned a day and a week ago, each branch told apart by a label
// for the `or`, then folded with max (upper) or min (lower) over that label.

export interface LookBack {
  lookBack: string;
  /** The branch's bound, e.g. `avg_over_time(x[1h] offset 23h30m) + stddev_over_time(…) * 2`. */
  bound: string;
}

/** max/min over the branches, each tagged with `label`. */
export function widest(agg: 'max' | 'min', label: string, branches: readonly { tag: string; bound: string }[], untagged?: string): string {
  const tagged = branches.map((b) => `label_replace(${b.bound}, "${label}", "${b.tag}", "", "")`);
  return `${agg} without (${label}) (${[...tagged, ...(untagged ? [untagged] : [])].join(' or ')})`;
}

/** The combined bound: short term, margin, and the recorded long-term (seasonal) bound. */
export function combinedBound(
  side: 'upper' | 'lower',
  centre: string,
  spread: string,
  k: number,
  margin: number,
  longTerm: string,
): string {
  const sign = side === 'upper' ? '+' : '-';
  const folded = widest(
    side === 'upper' ? 'max' : 'min',
    'prediction_type',
    [
      { tag: 'short_term', bound: `${centre} ${sign} ${spread} * ${k}` },
      { tag: 'margin', bound: `${centre} ${sign} ${centre} * ${margin}` },
    ],
    longTerm,
  );
  return side === 'upper' ? folded : `clamp_min(${folded}, 0)`;
}
