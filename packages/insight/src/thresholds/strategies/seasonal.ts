// Seasonal: now against the same hour in past weeks, moved by the week-over-week trend (GitLab's
// seasonal prediction: last week's value plus the growth), fired when the level misses the
// prediction by more than both `zScore` robust deviations of last week's misses and `margin` of
// the prediction (the guide's `* 0.8` is a margin of 0.2). Refinements, each for a reason the
// backtest shows:
//  - the trend is a factor (see the trend rule below);
//  - with `weeks` > 1 the prediction is the median over that many past weeks, so last week's
//    incident or holiday does not come back as this week's false alert (weeks: 1 is GitLab's form);
//  - misses are relative (level / prediction - 1): traffic noise scales with traffic, and an
//    absolute spread learned from the day would hide every drop at night;
//  - the spread is the median absolute miss (× 1.4826, a standard deviation for normal noise)
//    rather than the standard deviation, which one incident in the week inflates for a week;
//  - for a request (or other counter) rate, the counting noise of the rate window (a Poisson
//    count of n varies by √n) is added to the spread, in variance as independent noise adds:
//    the week's spread is learned mostly by day, and at night a quiet route's counts swing more.
import { recordName } from '../signals.ts';
import type { BaselineSpec } from '../types.ts';
import type { Strategy } from './strategy.ts';

/** A rate of counted events (requests, or any counter): its noise over a window is known. */
const countedSignal = (signal: BaselineSpec['signal'], type: BaselineSpec['metricType']) =>
  signal === 'requests' || (signal === 'metric' && type === 'counter');

export const seasonal: Strategy = {
  name: 'seasonal',
  explain: ({ seasonal: { weeks, zScore, margin }, signal, metricType }) =>
    `the same hour ${weeks === 1 ? 'a week ago' : `in the ` + `past ${weeks} weeks (their ` + `median)`} grown by the weekly ` +
    `trend, ± the larger ` +
    (`of ${zScore} × (the robust deviation of last week’s ` +
      `misses${countedSignal(signal, metricType) ? ' with the counting noise' : ''}) and ${+(margin * 100).toFixed(2)} %`),
  band(b) {
    const r = (what: string) => recordName(b, what);
    const L = r('level');
    const { zScore, margin, weeks } = b.seasonal;
    // Requests counted over the rate window: its relative counting noise is 1/√(rate × seconds).
    const counted = countedSignal(b.signal, b.metricType);
    const window = b.rateWindowMs / 1000;
    // The hour centred on this time k weeks ago, grown by k weeks of trend.
    const weekAgo = (k: number) =>
      `label_replace(avg_over_time(${L}[1h] offset ${k * 168 - 1}h30m) * ${r('trend')} ^ ${k}, "look_back", "${k}w", "", "")`;
    const predictions = Array.from({ length: weeks }, (_, i) => weekAgo(i + 1));
    return {
      compared: L,
      records: [
        // Growth per week as a factor: the median, over the last week, of now against the same
        // minute a week before (the weekly pattern cancels out). GitLab adds the difference of
        // the weeks' means; a factor scales with the hour (an absolute growth learned from the
        // day would swamp the night); a median over a week shrugs off a holiday or an incident
        // on either side (over a day, a holiday would halve it, and the prediction k weeks back
        // grows by trend^k); and it stays unbiased while less history exists (a mean over a
        // half-filled window would compare a night with a day).
        { record: r('week_ratio'), expr: `${L} / (${L} offset 1w > 0)` },
        { record: r('trend'), expr: `quantile_over_time(0.5, ${r('week_ratio')}[1w])` },
        {
          record: r('prediction'),
          expr:
            weeks === 1
              ? `avg_over_time(${L}[1h] offset 167h30m) * ${r('trend')}`
              : `quantile without (look_back) (0.5, ${predictions.join(' or ')})`,
        },
        // No miss where nothing was predicted: a zero prediction would put an infinity in the spread for a week.
        { record: r('abs_relative_miss'), expr: `abs(${L} / (${r('prediction')} > 0) - 1)` },
        { record: r('relative_spread'), expr: `quantile_over_time(0.5, ${r('abs_relative_miss')}[1w]) * 1.4826` },
        {
          record: r('band_width'),
          expr: counted
            ? `clamp_min(${zScore} * sqrt(${r('relative_spread')} ^ 2 + 1 / (${r('prediction')} * ${window})), ${margin})`
            : `clamp_min(${r('relative_spread')} * ${zScore}, ${margin})`,
        },
        { record: r('lower'), expr: `clamp_min(${r('prediction')} * (1 - ${r('band_width')}), 0)` },
        { record: r('upper'), expr: `${r('prediction')} * (1 + ${r('band_width')})` },
      ],
      lower: r('lower'),
      upper: r('upper'),
    };
  },
};
