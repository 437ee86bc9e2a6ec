// Tokens of PromQL, read on demand by the parser (a duration is only a duration where the
// grammar expects one: inside [] and after `offset`). Keywords are case-insensitive, as in
// Prometheus ("OR", "Sum").
import { InsightError } from '../errors.ts';

export type TokenKind = 'ident' | 'number' | 'duration' | 'string' | 'op' | 'eof';
export interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
  /** Numbers: the value. */
  value?: number;
}

const OPS = ['==', '!=', '=~', '!~', '>=', '<=', '(', ')', '{', '}', '[', ']', ',', '=', '>', '<', '+', '-', '*', '/', '%', '^', ':', '@'];
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;
const IDENT = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export class Lexer {
  readonly input: string;
  pos = 0;

  constructor(input: string) {
    this.input = input;
  }

  error(message: string, at = this.pos): never {
    const pointer = `${this.input}\n${' '.repeat(Math.min(at, this.input.length))}^`;
    throw new InsightError('HOLDFAST_E_PROMQL_PARSE', `${message} at position ${at + 1}\n${pointer}`);
  }

  #skipSpace(): void {
    while (this.pos < this.input.length) {
      const c = this.input[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#') while (this.pos < this.input.length && this.input[this.pos] !== '\n') this.pos++;
      else break;
    }
  }

  peek(): Token {
    const save = this.pos;
    const t = this.next();
    this.pos = save;
    return t;
  }

  next(): Token {
    this.#skipSpace();
    const pos = this.pos;
    if (pos >= this.input.length) return { kind: 'eof', text: '', pos };
    const rest = this.input.slice(pos);
    const c = rest[0]!;
    if (c === '"' || c === "'" || c === '`') return this.#string(c, pos);
    // Digits directly followed by a letter make a duration ("5m", "1h30m"), never a number.
    const dur = /^\d+[a-zA-Z][0-9a-zA-Z]*/.exec(rest);
    if (dur && !/^0[xX]/.test(rest) && !/^\d+[eE][+-]?\d/.test(rest)) {
      this.pos += dur[0].length;
      return { kind: 'duration', text: dur[0], pos };
    }
    const num = NUMBER.exec(rest);
    if (num) {
      this.pos += num[0].length;
      return { kind: 'number', text: num[0], pos, value: Number(num[0]) };
    }
    const id = IDENT.exec(rest);
    if (id) {
      this.pos += id[0].length;
      const lower = id[0].toLowerCase();
      if (lower === 'inf' || lower === 'nan') return { kind: 'number', text: id[0], pos, value: lower === 'inf' ? Infinity : NaN };
      return { kind: 'ident', text: id[0], pos };
    }
    for (const op of OPS) {
      if (rest.startsWith(op)) {
        this.pos += op.length;
        return { kind: 'op', text: op, pos };
      }
    }
    return this.error(`unexpected character '${c}'`);
  }

  /** A duration where the grammar expects one ("5m", "1h30m"); its text. */
  duration(): { text: string; pos: number } {
    const t = this.next();
    if (t.kind !== 'duration')
      this.error(t.kind === 'number' ? `missing unit character in duration '${t.text}'` : 'expected a duration like 5m', t.pos);
    return { text: t.text, pos: t.pos };
  }

  #string(quote: string, pos: number): Token {
    let i = pos + 1;
    let out = '';
    while (i < this.input.length && this.input[i] !== quote) {
      const c = this.input[i]!;
      if (c === '\\' && quote !== '`') {
        const e = this.input[i + 1];
        const map: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          '\\': '\\',
          '"': '"',
          "'": "'",
          a: '\x07',
          b: '\b',
          f: '\f',
          v: '\v',
        };
        if (e === undefined || !(e in map)) this.error(`unknown escape sequence '\\${e ?? ''}'`, i);
        out += map[e];
        i += 2;
        continue;
      }
      if (c === '\n' && quote !== '`') this.error('unterminated string', pos);
      out += c;
      i++;
    }
    if (i >= this.input.length) this.error('unterminated string', pos);
    this.pos = i + 1;
    return { kind: 'string', text: out, pos };
  }
}
