// Alert templates: the part of Prometheus's templating the generated rules use, printed as
// Prometheus prints it (checked against promtool in the SLO rule test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandTemplate, humanize, humanizeDuration, parseTemplate } from '../../src/rules/template.ts';

const data = {
  labels: { service: 'orders', route: '/orders' },
  value: 16.2345,
  query: (q: string) => (q.includes('remaining') ? [{ labels: {}, value: 0.8734 }] : []),
};

test('labels, the value and its formatters expand', () => {
  assert.equal(expandTemplate(parseTemplate('{{ $labels.service }} at {{ $value | printf "%.1f" }}×'), data), 'orders at 16.2×');
  assert.equal(expandTemplate(parseTemplate('{{ $value | humanize }}/s'), { ...data, value: 1234567 }), '1.235M/s');
  assert.equal(expandTemplate(parseTemplate('{{ $value | humanizePercentage }}'), { ...data, value: 0.01234 }), '1.234%');
  assert.equal(expandTemplate(parseTemplate('{{ $value | humanizeDuration }}'), { ...data, value: 93784 }), '1d 2h 3m 4s');
  assert.equal(expandTemplate(parseTemplate('{{ $labels.missing }}|'), data), '|');
});

test('{{ with query }} runs the query and prints its first value; nothing when it returns nothing', () => {
  assert.equal(
    expandTemplate(
      parseTemplate('left: {{ with query "holdfast:slo_error_budget_remaining" }}{{ . | first | value | humanizePercentage }}{{ end }}.'),
      data,
    ),
    'left: 87.34%.',
  );
  assert.equal(expandTemplate(parseTemplate('[{{ with query "nothing" }}x{{ end }}]'), data), '[]');
});

test('humanize and humanizeDuration format as Prometheus does', () => {
  assert.equal(humanize(0), '0');
  assert.equal(humanize(0.000123), '123u');
  assert.equal(humanize(12.5), '12.5');
  assert.equal(humanize(1000), '1k');
  assert.equal(humanize(NaN), 'NaN');
  assert.equal(humanizeDuration(0), '0s');
  assert.equal(humanizeDuration(0.25), '250ms');
  assert.equal(humanizeDuration(59.5), '59.5s');
  assert.equal(humanizeDuration(3600), '1h 0m 0s');
  assert.equal(humanizeDuration(Infinity), '+Inf');
});

test('what the subset does not cover is refused when the rule is compiled', () => {
  assert.throws(() => parseTemplate('{{ if eq $value 0.0 }}x{{ end }}'), /'if' is not supported/);
  assert.throws(() => parseTemplate('{{ range query "x" }}{{ end }}'), /not supported|without/);
  assert.throws(() => parseTemplate('{{ with query "x" }}open'), /without \{\{ end \}\}/);
});
