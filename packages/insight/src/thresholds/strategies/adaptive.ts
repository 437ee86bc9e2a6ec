// Adaptive band (Grafana's promql-anomaly-detection, rules/adaptive.yml): the 1 h mean ± 2 × the
// 26 h average of the 1 h stddev, counted only where the stddev passes half the mean (a
// coefficient-of-variation filter); widened to at least ± 50 % of the mean and to the bands of
// the same hour a day and a week ago.
import { recordName } from '../signals.ts';
import { combinedBound, widest } from './grafana-bands.ts';
import type { Strategy } from './strategy.ts';

export const adaptive: Strategy = {
  name: 'adaptive',
  explain: ({ adaptive: { stddevMultiplier: k, marginMultiplier: m } }) =>
    `the last hour’s mean ` +
    `± ${k} × its smoothed stddev, at least ` +
    `± ${+(m * 100).toFixed(2)} %, widened to the same ` +
    `hour a day and a week ago`,
  band(b) {
    const r = (what: string) => recordName(b, what);
    const L = r('level');
    const { stddevMultiplier: k, marginMultiplier: m, covarThreshold: c } = b.adaptive;
    const longTerm = (side: 'upper' | 'lower') => {
      const sign = side === 'upper' ? '+' : '-';
      const ago = (offset: string) => `avg_over_time(${L}[1h] offset ${offset}) ${sign} stddev_over_time(${L}[1h] offset ${offset}) * ${k}`;
      return widest(side === 'upper' ? 'max' : 'min', 'look_back', [
        { tag: '1w', bound: ago('167h30m') },
        { tag: '1d', bound: ago('23h30m') },
      ]);
    };
    return {
      compared: L,
      records: [
        { record: r('avg_1h'), expr: `avg_over_time(${L}[1h])` },
        { record: r('stddev_1h_filtered'), expr: `stddev_over_time(${L}[1h]) > ${r('avg_1h')} * ${c}` },
        { record: r('stddev_st'), expr: `avg_over_time(${r('stddev_1h_filtered')}[26h])` },
        { record: r('upper_lt'), expr: longTerm('upper') },
        { record: r('lower_lt'), expr: longTerm('lower') },
        { record: r('upper'), expr: combinedBound('upper', r('avg_1h'), r('stddev_st'), k, m, r('upper_lt')) },
        { record: r('lower'), expr: combinedBound('lower', r('avg_1h'), r('stddev_st'), k, m, r('lower_lt')) },
      ],
      lower: r('lower'),
      upper: r('upper'),
    };
  },
};
