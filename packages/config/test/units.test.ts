import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBytes, parseDuration, parseDurationText } from '@holdfast/config/units';

test('a number in a config is milliseconds; a string carries its unit', () => {
  assert.equal(parseDuration(250), 250);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration(' 3 S '), 3000, 'spaces and case do not matter');
});

test('a duration without a unit, negative or malformed is refused', () => {
  for (const v of ['30', '', 's', '10 sec', '-1s', '1w', 'ten seconds']) assert.equal(parseDurationText(v), undefined, v);
  for (const v of [-1, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(parseDuration(v), undefined, String(v));
});

test('sizes: KB/MB/GB are decimal, KiB/MiB/GiB binary, a number is bytes', () => {
  assert.equal(parseBytes(4096), 4096);
  assert.equal(parseBytes('256MB'), 256_000_000);
  assert.equal(parseBytes('256MiB'), 256 * 2 ** 20);
  assert.equal(parseBytes('1G'), 1e9);
  assert.equal(parseBytes('1Gi'), 2 ** 30);
  assert.equal(parseBytes('64k'), 64_000);
  assert.equal(parseBytes('1.5KiB'), 1536);
  assert.equal(parseBytes('12'), 12);
  for (const v of ['lots', '1 parsec', '1.5 bananas', -1, 1.5]) assert.equal(parseBytes(v), undefined, String(v));
});
