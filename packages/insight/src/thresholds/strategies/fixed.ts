// The two comparison rules of the backtest, also usable on their own: a static threshold, and
// the guide's rule (below 0.8 × last week's 7-day average, `avg_over_time(…[7d] offset 1w) * 0.8`).
import { recordName } from '../signals.ts';
import type { Strategy } from './strategy.ts';

export const staticThreshold: Strategy = {
  name: 'static',
  explain: ({ static: { below, above } }) =>
    `a fixed threshold ` +
    `(${[below !== undefined ? `below ${below}` : '', above !== undefined ? `above ${above}` : ''].filter(Boolean).join(', ')})`,
  band(b) {
    return {
      compared: recordName(b, 'level'),
      records: [],
      ...(b.static.below !== undefined ? { lower: String(b.static.below) } : {}),
      ...(b.static.above !== undefined ? { upper: String(b.static.above) } : {}),
    };
  },
};

export const weekAverage: Strategy = {
  name: 'week-average',
  explain: ({ weekAverage: { factor } }) => `${factor} × the average of the week before (the guide’s rule)`,
  band(b) {
    const r = (what: string) => recordName(b, what);
    // The guide averages the raw counter; the rate is what it means (an average of a counter's
    // value is not a rate), so the recorded level is averaged.
    return {
      compared: r('level'),
      records: [{ record: r('lower'), expr: `avg_over_time(${r('level')}[7d] offset 1w) * ${b.weekAverage.factor}` }],
      lower: r('lower'),
    };
  },
};
