// A PromQL parser for the subset holdfast evaluates, with Prometheus's precedence (or < and,
// unless < comparisons < + - < * / % atan2 < ^, unary minus at the level of *), its type rules
// (a range only on a selector, comparisons between scalars need `bool`, set operators only
// between vectors) and its error positions. What the subset leaves out (subqueries, `@`,
// count_values) is refused by name rather than misread.
import { InsightError } from '../errors.ts';
import {
  COMPARISON_OPS,
  SET_OPS,
  type AggregateOp,
  type BinaryExpr,
  type BinaryOp,
  type Expr,
  type Matcher,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast.ts';
import { parsePromDuration } from './duration.ts';
import { Lexer, type Token } from './lexer.ts';
import { SIGNATURES } from './signatures.ts';

const PRECEDENCE: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '<': 3,
  '>=': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};
const AGGREGATORS = new Set<string>(['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'quantile', 'group', 'topk', 'bottomk']);
const UNSUPPORTED_AGGREGATORS = new Set(['count_values', 'limitk', 'limit_ratio']);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function binaryOpOf(t: Token): BinaryOp | undefined {
  if (t.kind === 'op' && t.text in PRECEDENCE) return t.text as BinaryOp;
  if (t.kind === 'ident') {
    const w = t.text.toLowerCase();
    if (w === 'and' || w === 'or' || w === 'unless' || w === 'atan2') return w;
  }
  return undefined;
}

const isWord = (t: Token, w: string) => t.kind === 'ident' && t.text.toLowerCase() === w;

class Parser {
  readonly lx: Lexer;
  constructor(input: string) {
    this.lx = new Lexer(input);
  }

  expect(text: string): Token {
    const t = this.lx.next();
    if (t.text !== text || t.kind === 'string')
      this.lx.error(`expected '${text}', got ${t.kind === 'eof' ? 'end of input' : `'${t.text}'`}`, t.pos);
    return t;
  }

  parseExpr(minPrec = 1): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const t = this.lx.peek();
      const op = binaryOpOf(t);
      if (!op || PRECEDENCE[op] < minPrec) return lhs;
      this.lx.next();
      const { returnBool, matching } = this.parseModifiers(op);
      // ^ is right-associative; everything else is left-associative.
      const rhs = this.parseExpr(op === '^' ? PRECEDENCE[op] : PRECEDENCE[op] + 1);
      lhs = this.makeBinary(op, lhs, rhs, returnBool, matching, t.pos);
    }
  }

  parseUnary(): Expr {
    const t = this.lx.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.lx.next();
      // Unary minus has the precedence of *: -a^b is -(a^b), -a*b is (-a)*b.
      const expr = this.parseExpr(PRECEDENCE['^']);
      if (expr.type !== 'scalar' && expr.type !== 'vector')
        this.lx.error(`unary expression only allowed on expressions of type scalar or instant vector, got ${expr.type}`, t.pos);
      if (expr.kind === 'number') return { ...expr, value: t.text === '-' ? -expr.value : expr.value };
      return { kind: 'unary', type: expr.type, op: t.text as '-' | '+', expr };
    }
    return this.parsePostfix();
  }

  parsePostfix(): Expr {
    let e = this.parsePrimary();
    for (;;) {
      const t = this.lx.peek();
      if (t.kind === 'op' && t.text === '[') {
        this.lx.next();
        const d = this.lx.duration();
        const ms = parsePromDuration(d.text);
        if (ms === undefined || ms === 0) this.lx.error(`'${d.text}' is not a range duration`, d.pos);
        const close = this.lx.next();
        if (close.text.startsWith(':'))
          throw new InsightError(
            'HOLDFAST_E_PROMQL_UNSUPPORTED',
            'subqueries (expr[range:step]) are not evaluated by the embedded engine; record the inner expression with a rule instead',
          );
        if (close.text !== ']') this.lx.error(`expected ']', got '${close.text}'`, close.pos);
        if (e.kind !== 'selector') this.lx.error('ranges are only allowed on vector selectors', t.pos);
        e = { kind: 'matrix', type: 'matrix', selector: e, rangeMs: ms };
        continue;
      }
      if (isWord(t, 'offset')) {
        this.lx.next();
        let sign = 1;
        const s = this.lx.peek();
        if (s.kind === 'op' && s.text === '-') {
          this.lx.next();
          sign = -1;
        }
        const d = this.lx.duration();
        const ms = parsePromDuration(d.text);
        if (ms === undefined) this.lx.error(`'${d.text}' is not a duration`, d.pos);
        const sel = e.kind === 'matrix' ? e.selector : e.kind === 'selector' ? e : undefined;
        if (!sel) this.lx.error('offset modifier must be preceded by an instant vector selector or range vector selector', t.pos);
        if (sel.offsetMs !== 0) this.lx.error('offset may not be set multiple times', t.pos);
        sel.offsetMs = sign * ms;
        continue;
      }
      if (t.kind === 'op' && t.text === '@')
        throw new InsightError('HOLDFAST_E_PROMQL_UNSUPPORTED', 'the @ modifier is not evaluated by the embedded engine');
      return e;
    }
  }

  parsePrimary(): Expr {
    const t = this.lx.next();
    if (t.kind === 'number') return { kind: 'number', type: 'scalar', value: t.value! };
    if (t.kind === 'string') return { kind: 'string', type: 'string', value: t.text };
    if (t.kind === 'op' && t.text === '(') {
      const expr = this.parseExpr();
      this.expect(')');
      return { kind: 'paren', type: expr.type, expr };
    }
    if (t.kind === 'op' && t.text === '{') return this.selectorRest('', t.pos);
    if (t.kind === 'ident') {
      const next = this.lx.peek();
      const lower = t.text.toLowerCase();
      if (UNSUPPORTED_AGGREGATORS.has(lower))
        throw new InsightError('HOLDFAST_E_PROMQL_UNSUPPORTED', `the aggregation ${lower} is not evaluated by the embedded engine`);
      if (AGGREGATORS.has(lower) && (next.text === '(' || isWord(next, 'by') || isWord(next, 'without')))
        return this.aggregate(lower as AggregateOp, t.pos);
      if (next.kind === 'op' && next.text === '(') return this.call(t);
      const n = this.lx.peek();
      if (n.kind === 'op' && n.text === '{') {
        this.lx.next();
        return this.selectorRest(t.text, t.pos);
      }
      return { kind: 'selector', type: 'vector', name: t.text, matchers: [{ name: '__name__', op: '=', value: t.text }], offsetMs: 0 };
    }
    return this.lx.error(t.kind === 'eof' ? 'unexpected end of input' : `unexpected '${t.text}'`, t.pos);
  }

  selectorRest(name: string, pos: number): VectorSelector {
    const matchers: Matcher[] = name ? [{ name: '__name__', op: '=', value: name }] : [];
    for (;;) {
      const t = this.lx.next();
      if (t.kind === 'op' && t.text === '}') break;
      if (t.kind !== 'ident' || !LABEL_NAME.test(t.text)) this.lx.error(`expected a label name, got '${t.text}'`, t.pos);
      const op = this.lx.next();
      if (op.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(op.text))
        this.lx.error(`expected a label matching operator (=, !=, =~, !~), got '${op.text}'`, op.pos);
      const v = this.lx.next();
      if (v.kind !== 'string') this.lx.error('expected a quoted label value', v.pos);
      const m: Matcher = { name: t.text, op: op.text as Matcher['op'], value: v.text };
      if (m.op === '=~' || m.op === '!~') {
        try {
          m.re = new RegExp(`^(?:${v.text})$`, 's');
        } catch {
          this.lx.error(`invalid regular expression '${v.text}'`, v.pos);
        }
      }
      if (name && t.text === '__name__') this.lx.error('metric name must not be set twice', t.pos);
      matchers.push(m);
      const sep = this.lx.next();
      if (sep.text === '}') break;
      if (sep.text !== ',') this.lx.error(`expected ',' or '}' in label matchers, got '${sep.text}'`, sep.pos);
    }
    // Prometheus refuses a selector that could match every series.
    if (!matchers.some((m) => !matchesEmpty(m))) {
      this.lx.error('vector selector must contain at least one non-empty matcher', pos);
    }
    return { kind: 'selector', type: 'vector', name, matchers, offsetMs: 0 };
  }

  labelList(): string[] {
    this.expect('(');
    const out: string[] = [];
    for (;;) {
      const t = this.lx.next();
      if (t.text === ')' && t.kind === 'op') return out;
      if (t.kind !== 'ident' || !LABEL_NAME.test(t.text)) this.lx.error(`expected a label name, got '${t.text}'`, t.pos);
      out.push(t.text);
      const sep = this.lx.next();
      if (sep.text === ')') return out;
      if (sep.text !== ',') this.lx.error(`expected ',' or ')', got '${sep.text}'`, sep.pos);
    }
  }

  args(): Expr[] {
    this.expect('(');
    const out: Expr[] = [];
    if (this.lx.peek().text === ')') {
      this.lx.next();
      return out;
    }
    for (;;) {
      out.push(this.parseExpr());
      const sep = this.lx.next();
      if (sep.text === ')') return out;
      if (sep.text !== ',') this.lx.error(`expected ',' or ')', got '${sep.text}'`, sep.pos);
    }
  }

  aggregate(op: AggregateOp, pos: number): Expr {
    let grouping: string[] = [];
    let without = false;
    let seen = false;
    const modifier = () => {
      const t = this.lx.peek();
      if (isWord(t, 'by') || isWord(t, 'without')) {
        if (seen) this.lx.error('a grouping clause may appear once', t.pos);
        this.lx.next();
        without = isWord(t, 'without');
        grouping = this.labelList();
        seen = true;
      }
    };
    modifier();
    const args = this.args();
    modifier();
    const withParam = op === 'quantile' || op === 'topk' || op === 'bottomk';
    if (args.length !== (withParam ? 2 : 1))
      this.lx.error(`wrong number of arguments for aggregate expression provided, expected ${withParam ? 2 : 1}, got ${args.length}`, pos);
    const expr = args[args.length - 1]!;
    if (expr.type !== 'vector') this.lx.error(`expected type instant vector in aggregation expression, got ${expr.type}`, pos);
    const param = withParam ? args[0] : undefined;
    if (param && param.type !== 'scalar') this.lx.error(`expected type scalar in aggregation parameter, got ${param.type}`, pos);
    return { kind: 'aggregate', type: 'vector', op, expr, ...(param ? { param } : {}), grouping, without };
  }

  call(t: Token): Expr {
    const sig = SIGNATURES[t.text];
    if (!sig)
      throw new InsightError(
        'HOLDFAST_E_PROMQL_UNSUPPORTED',
        `the function ${t.text}() is not evaluated by the embedded engine (it knows ${Object.keys(SIGNATURES).join(', ')})`,
      );
    const args = this.args();
    const min = sig.args.length - (sig.optional ?? 0);
    if (args.length < min || args.length > sig.args.length)
      this.lx.error(
        `expected ${min === sig.args.length ? min : `${min} to ${sig.args.length}`} argument(s) in call to "${t.text}", got ${args.length}`,
        t.pos,
      );
    args.forEach((a, i) => {
      if (a.type !== sig.args[i])
        this.lx.error(`expected type ${describe(sig.args[i]!)} in call to function "${t.text}", got ${describe(a.type)}`, t.pos);
    });
    return { kind: 'call', type: sig.returns, func: t.text, args };
  }

  parseModifiers(op: BinaryOp): { returnBool: boolean; matching?: VectorMatching } {
    let returnBool = false;
    if (isWord(this.lx.peek(), 'bool')) {
      this.lx.next();
      returnBool = true;
    }
    const t = this.lx.peek();
    if (!isWord(t, 'on') && !isWord(t, 'ignoring')) return { returnBool };
    this.lx.next();
    const matching: VectorMatching = { card: 'one-to-one', on: isWord(t, 'on'), labels: this.labelList(), include: [] };
    const g = this.lx.peek();
    if (isWord(g, 'group_left') || isWord(g, 'group_right')) {
      this.lx.next();
      matching.card = isWord(g, 'group_left') ? 'many-to-one' : 'one-to-many';
      if (this.lx.peek().text === '(') matching.include = this.labelList();
      if (SET_OPS.includes(op)) this.lx.error(`no grouping allowed for "${op}" operation`, g.pos);
    }
    return { returnBool, matching };
  }

  makeBinary(op: BinaryOp, lhs: Expr, rhs: Expr, returnBool: boolean, matching: VectorMatching | undefined, pos: number): BinaryExpr {
    const cmp = COMPARISON_OPS.includes(op);
    const set = SET_OPS.includes(op);
    if (returnBool && !cmp) this.lx.error('bool modifier can only be used on comparison operators', pos);
    for (const side of [lhs, rhs])
      if (side.type !== 'scalar' && side.type !== 'vector')
        this.lx.error('binary expression must contain only scalar and instant vector types', pos);
    const bothVectors = lhs.type === 'vector' && rhs.type === 'vector';
    if (cmp && !returnBool && lhs.type === 'scalar' && rhs.type === 'scalar')
      this.lx.error('comparisons between scalars must use BOOL modifier', pos);
    if (set && !bothVectors) this.lx.error(`set operator "${op}" not allowed in binary scalar expression`, pos);
    if (matching && !bothVectors && matching.labels.length > 0) this.lx.error('vector matching only allowed between instant vectors', pos);
    if (matching && matching.on)
      for (const l of matching.include)
        if (matching.labels.includes(l)) this.lx.error(`label "${l}" must not occur in ON and GROUP clause at once`, pos);
    const m: VectorMatching | undefined = bothVectors
      ? (matching ?? { card: 'one-to-one', on: false, labels: [], include: [] })
      : undefined;
    if (m && set) m.card = 'many-to-many';
    const type: ValueType = bothVectors || lhs.type === 'vector' || rhs.type === 'vector' ? 'vector' : 'scalar';
    return { kind: 'binary', type, op, lhs, rhs, ...(m ? { matching: m } : {}), returnBool };
  }
}

function matchesEmpty(m: Matcher): boolean {
  if (m.op === '=') return m.value === '';
  if (m.op === '!=') return m.value !== '';
  return m.op === '=~' ? m.re!.test('') : !m.re!.test('');
}

function describe(t: ValueType): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}

/** Parses a PromQL expression; throws InsightError HOLDFAST_E_PROMQL_PARSE with the position. */
export function parseExpr(input: string): Expr {
  const p = new Parser(input);
  const e = p.parseExpr();
  const t = p.lx.next();
  if (t.kind !== 'eof') p.lx.error(`unexpected '${t.text}'`, t.pos);
  return e;
}
