// The statistics every benchmark reports with: a median is the middle value (the mean of the
// two middle ones for an even count), and the percentiles bench:http puts beside its ratios.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, percentile } from '../lib/report.ts';

test('median: the middle value, or the mean of the two middle values', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.equal(median([10, 30]), 20, 'two rounds: their mean, not the lower one');
});

test('percentile: linear between the nearest ranks; p10 and p90 of 20 paired rounds', () => {
  const ratios = Array.from({ length: 20 }, (_, i) => 0.8 + i * 0.01); // 0.80 … 0.99
  assert.equal(Math.round(percentile(ratios, 10) * 1000) / 1000, 0.819);
  assert.equal(Math.round(percentile(ratios, 90) * 1000) / 1000, 0.971);
  assert.equal(percentile(ratios, 0), 0.8);
  assert.equal(Math.round(percentile(ratios, 100) * 100) / 100, 0.99);
  assert.equal(percentile([3, 1, 2], 50), median([3, 1, 2]));
});
