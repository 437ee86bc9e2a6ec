// The PromQL syntax tree of the subset holdfast evaluates: the selectors, functions, aggregations
// and operators its generated rules use (see docs/alerts.md for the list). Nodes are plain data;
// `type` is the value type Prometheus's parser assigns, checked at parse time as it does.
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
  /** Anchored regexp for =~ and !~ (Prometheus anchors both ends). */
  re?: RegExp;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless' | 'atan2';
export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'stddev' | 'stdvar' | 'quantile' | 'group' | 'topk' | 'bottomk';

export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** true: on(labels); false: ignoring(labels). */
  on: boolean;
  labels: string[];
  /** Labels copied from the "one" side by group_left/group_right. */
  include: string[];
}

export type Expr =
  | { kind: 'number'; type: 'scalar'; value: number }
  | { kind: 'string'; type: 'string'; value: string }
  | VectorSelector
  | { kind: 'matrix'; type: 'matrix'; selector: VectorSelector; rangeMs: number }
  | { kind: 'call'; type: ValueType; func: string; args: Expr[] }
  | { kind: 'aggregate'; type: 'vector'; op: AggregateOp; expr: Expr; param?: Expr; grouping: string[]; without: boolean }
  | BinaryExpr
  | { kind: 'unary'; type: ValueType; op: '-' | '+'; expr: Expr }
  | { kind: 'paren'; type: ValueType; expr: Expr };

export interface VectorSelector {
  kind: 'selector';
  type: 'vector';
  name: string;
  matchers: Matcher[];
  offsetMs: number;
}

export interface BinaryExpr {
  kind: 'binary';
  type: ValueType;
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** Present when both sides are vectors. */
  matching?: VectorMatching;
  returnBool: boolean;
}

export const COMPARISON_OPS: readonly BinaryOp[] = ['==', '!=', '>', '<', '>=', '<='];
export const SET_OPS: readonly BinaryOp[] = ['and', 'or', 'unless'];

/** Calls every selector in the tree (vector selectors, and those inside range selectors). */
export function walkSelectors(e: Expr, visit: (s: VectorSelector, rangeMs: number) => void): void {
  switch (e.kind) {
    case 'selector':
      visit(e, 0);
      return;
    case 'matrix':
      visit(e.selector, e.rangeMs);
      return;
    case 'call':
      for (const a of e.args) walkSelectors(a, visit);
      return;
    case 'aggregate':
      if (e.param) walkSelectors(e.param, visit);
      walkSelectors(e.expr, visit);
      return;
    case 'binary':
      walkSelectors(e.lhs, visit);
      walkSelectors(e.rhs, visit);
      return;
    case 'unary':
    case 'paren':
      walkSelectors(e.expr, visit);
      return;
    default:
  }
}
