import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Expr } from '../../src/promql/ast.ts';
import { formatPromDuration, parsePromDuration } from '../../src/promql/duration.ts';
import { parseExpr } from '../../src/promql/parser.ts';

/** The tree as a compact string: precedence and associativity made visible. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'selector':
      return `${e.name || '{}'}${e.offsetMs ? `@-${e.offsetMs}` : ''}`;
    case 'matrix':
      return `${show(e.selector)}[${e.rangeMs}]`;
    case 'call':
      return `${e.func}(${e.args.map(show).join(', ')})`;
    case 'aggregate':
      return `${e.op}${
        e.grouping.length || e.without ? `${e.without ? ' without' : ' by'}(${e.grouping.join(',')})` : ''
      }(${e.param ? show(e.param) + ', ' : ''}${show(e.expr)})`;
    case 'binary': {
      const m = e.matching;
      const on = m && (m.labels.length || m.on) ? ` ${m.on ? 'on' : 'ignoring'}(${m.labels.join(',')})` : '';
      const group =
        m?.card === 'many-to-one'
          ? ` group_left(${m.include.join(',')})`
          : m?.card === 'one-to-many'
            ? ` group_right(${m.include.join(',')})`
            : '';
      return `(${show(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''}${on}${group} ${show(e.rhs)})`;
    }
    case 'unary':
      return `(${e.op}${show(e.expr)})`;
    case 'paren':
      return show(e.expr);
  }
}

test('operators bind as in Prometheus: ^ right-associative above unary minus, then * / %, + -, comparisons, and/unless, or', () => {
  assert.equal(show(parseExpr('a + b * c ^ d ^ e')), '(a + (b * (c ^ (d ^ e))))');
  assert.equal(show(parseExpr('-a ^ 2')), '(-(a ^ 2))');
  assert.equal(show(parseExpr('-a * b')), '((-a) * b)');
  assert.equal(show(parseExpr('-2 * 3')), '(-2 * 3)');
  assert.equal(show(parseExpr('a - b - c')), '((a - b) - c)');
  assert.equal(show(parseExpr('a > b and c < d or e unless f')), '(((a > b) and (c < d)) or (e unless f))');
  assert.equal(show(parseExpr('a OR b AND c')), '(a or (b and c))');
  assert.equal(show(parseExpr('1 < bool 2')), '(1 < bool 2)');
});

test('selectors, ranges, offsets, matching clauses, aggregations and functions parse', () => {
  assert.equal(show(parseExpr('rate(x{a="1",b=~"2|3"}[5m] offset 1w)')), `rate(x@-${7 * 86_400_000}[300000])`);
  assert.equal(show(parseExpr('sum by (service, route) (rate(x[1h30m]))')), 'sum by(service,route)(rate(x[5400000]))');
  assert.equal(show(parseExpr('sum(rate(x[5m])) without (a)')), 'sum without(a)(rate(x[300000]))');
  assert.equal(show(parseExpr('quantile(0.5, x)')), 'quantile(0.5, x)');
  assert.equal(show(parseExpr('a * on(b) group_left(c) d')), '(a * on(b) group_left(c) d)');
  assert.equal(show(parseExpr('a / ignoring(status) group_right b')), '(a / ignoring(status) group_right() b)');
  assert.equal(show(parseExpr('{__name__=~"holdfast_.*", job!=""}')), '{}');
  assert.equal(show(parseExpr('holdfast:orders:level offset 167h30m')), `holdfast:orders:level@-${(167 * 60 + 30) * 60_000}`);
  assert.equal(show(parseExpr('label_replace(x, "dst", "$1", "src", "(.*)")')), 'label_replace(x, "dst", "$1", "src", "(.*)")');
  assert.equal(show(parseExpr('clamp_min(min without (p) (a or b), 0)')), 'clamp_min(min without(p)((a or b)), 0)');
  assert.equal(
    show(parseExpr('histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))')),
    'histogram_quantile(0.99, sum by(le)(rate(h_bucket[300000])))',
  );
  assert.equal(show(parseExpr('vector(1) + time() - Inf * NaN')), '((vector(1) + time()) - (Infinity * NaN))');
  assert.equal(show(parseExpr('x # a comment\n + 1')), '(x + 1)');
});

test('what Prometheus refuses is refused, with the position', () => {
  const refuse = (q: string, message: RegExp) =>
    assert.throws(
      () => parseExpr(q),
      (err: Error & { code?: string }) => message.test(err.message) && /^HOLDFAST_E_PROMQL_(PARSE|UNSUPPORTED)$/.test(err.code ?? ''),
      q,
    );
  refuse('rate(x)', /expected type range vector in call to function "rate", got instant vector/);
  refuse('1 > 2', /comparisons between scalars must use BOOL modifier/);
  refuse('sum(x) and 1', /set operator "and" not allowed in binary scalar expression/);
  refuse('a + bool b', /bool modifier can only be used on comparison operators/);
  refuse('a and on(x) group_left b', /no grouping allowed for "and" operation/);
  refuse('{a=""}', /at least one non-empty matcher/);
  refuse('x[5]', /missing unit character in duration/);
  refuse('(a + b)[5m]', /ranges are only allowed on vector selectors/);
  refuse('x offset 1m offset 2m', /offset may not be set multiple times/);
  refuse('sum(', /unexpected end of input at position 5/);
  refuse('x{a="1"', /expected ',' or '}'/);
  refuse('x[5m:1m]', /subqueries/);
  refuse('x @ 100', /@ modifier/);
  refuse('count_values("v", x)', /count_values/);
  refuse('predict_linear(x[1h], 60)', /predict_linear\(\) is not evaluated/);
  refuse('x =~ "a"', /unexpected/);
  refuse('"unterminated', /unterminated string/);
});

test('durations read and print as Prometheus does', () => {
  assert.equal(parsePromDuration('1h30m'), 5_400_000);
  assert.equal(parsePromDuration('1w'), 604_800_000);
  assert.equal(parsePromDuration('30d'), 2_592_000_000);
  assert.equal(parsePromDuration('500ms'), 500);
  assert.equal(parsePromDuration('0'), 0);
  assert.equal(parsePromDuration('1m1h'), undefined, 'units largest first');
  assert.equal(parsePromDuration('1.5h'), undefined, 'integers only');
  assert.equal(formatPromDuration(604_800_000), '1w');
  assert.equal(formatPromDuration(603_000_000), '6d23h30m');
  assert.equal(formatPromDuration(90_000), '1m30s');
  assert.equal(formatPromDuration(0), '0s');
});
