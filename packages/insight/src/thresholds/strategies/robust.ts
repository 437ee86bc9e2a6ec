// Robust band (Grafana's promql-anomaly-detection, rules/robust.yml): the 1 d median ± 2 × MAD
// (the median of absolute deviations over a day), at least ± 50 % of the median, widened to the
// median ± MAD of the same hour a day and a week ago; the level compared is the 1 h median, so a
// single spike does not move it.
import { recordName } from '../signals.ts';
import { combinedBound, widest } from './grafana-bands.ts';
import type { Strategy } from './strategy.ts';

export const robust: Strategy = {
  name: 'robust',
  explain: ({ robust: { madMultiplier: k, marginMultiplier: m } }) =>
    `the day’s median ` +
    `± ${k} × its median absolute deviation, at least ` +
    `± ${+(m * 100).toFixed(2)} %, widened to the ` +
    `same hour a day and a week ago, against the last hour’s median`,
  band(b) {
    const r = (what: string) => recordName(b, what);
    const L = r('level');
    const { madMultiplier: k, marginMultiplier: m } = b.robust;
    const seasonal = (lookBack: '1w' | '1d', offset: string) => [
      { record: r(`median_${lookBack}_ago`), expr: `quantile_over_time(0.5, ${L}[1h] offset ${offset})` },
      { record: r(`abs_dev_${lookBack}_ago`), expr: `abs(${L} offset ${offset} - ${r(`median_${lookBack}_ago`)})` },
      { record: r(`mad_${lookBack}_ago`), expr: `quantile_over_time(0.5, ${r(`abs_dev_${lookBack}_ago`)}[1h])` },
    ];
    const seasonalBand = (side: 'upper' | 'lower') => {
      const sign = side === 'upper' ? '+' : '-';
      return widest(side === 'upper' ? 'max' : 'min', 'look_back', [
        { tag: '1w', bound: `${r('median_1w_ago')} ${sign} ${r('mad_1w_ago')} * ${k}` },
        { tag: '1d', bound: `${r('median_1d_ago')} ${sign} ${r('mad_1d_ago')} * ${k}` },
      ]);
    };
    return {
      compared: r('median_1h'),
      records: [
        { record: r('median_1d'), expr: `quantile_over_time(0.5, ${L}[1d])` },
        { record: r('abs_dev_1d'), expr: `abs(${L} - ${r('median_1d')})` },
        { record: r('mad_1d'), expr: `quantile_over_time(0.5, ${r('abs_dev_1d')}[1d])` },
        { record: r('median_1h'), expr: `quantile_over_time(0.5, ${L}[1h])` },
        ...seasonal('1w', '167h45m'),
        ...seasonal('1d', '23h45m'),
        { record: r('upper_seasonal'), expr: seasonalBand('upper') },
        { record: r('lower_seasonal'), expr: seasonalBand('lower') },
        { record: r('upper'), expr: combinedBound('upper', r('median_1d'), r('mad_1d'), k, m, r('upper_seasonal')) },
        { record: r('lower'), expr: combinedBound('lower', r('median_1d'), r('mad_1d'), k, m, r('lower_seasonal')) },
      ],
      lower: r('lower'),
      upper: r('upper'),
    };
  },
};
