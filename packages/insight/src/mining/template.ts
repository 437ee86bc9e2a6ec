// A template: one token per place, each a literal, a wildcard (<*>, any token) or an affix
// wildcard (a constant prefix and/or suffix around <*>: `/udev/<*>`, `CONTAINER_REMOTE_<*>`).
import { WILD } from './mask.ts';

export const LITERAL = 0;
export const ANY = 1;
export const AFFIX = 2;
export type TokenKind = typeof LITERAL | typeof ANY | typeof AFFIX;

export class Template {
  readonly id: string;
  /** Order of creation in this miner (restored from state): the oldest of a merge keeps its id. */
  readonly seq: number;
  tokens: string[];
  kinds: Uint8Array;
  /** For AFFIX places: the constant text before and after the value; '' elsewhere. */
  pre: string[];
  suf: string[];
  count = 0;
  firstSeen: number;
  lastSeen: number;
  example: string;
  /** Ids this template absorbed when it generalised over them (they now resolve to this one). */
  absorbed: string[] = [];
  /** The most severe level seen (see levels.ts), -1 when lines carry no level. */
  level = -1;
  /** Removed (absorbed or evicted): a cache entry pointing here is stale. */
  dead = false;
  // Least-recently-seen list links (the miner owns them).
  newer: Template | undefined = undefined;
  older: Template | undefined = undefined;
  #text: string | undefined;

  constructor(id: string, seq: number, tokens: string[], now: number, example: string) {
    this.id = id;
    this.seq = seq;
    this.tokens = tokens.map(detach);
    this.kinds = new Uint8Array(tokens.length);
    this.pre = new Array<string>(tokens.length).fill('');
    this.suf = new Array<string>(tokens.length).fill('');
    this.firstSeen = now;
    this.lastSeen = now;
    this.example = detach(example);
  }

  get text(): string {
    return (this.#text ??= this.tokens.join(' '));
  }

  get wildcards(): number {
    let n = 0;
    for (let i = 0; i < this.kinds.length; i++) if (this.kinds[i] !== LITERAL) n++;
    return n;
  }

  /** Sets place i to the generalisation of `values` (the tokens seen there). */
  generalise(i: number, values: string[]): void {
    const g = generalisation(values);
    this.tokens[i] = detach(g.token);
    this.kinds[i] = g.kind;
    this.pre[i] = detach(g.pre);
    this.suf[i] = detach(g.suf);
    this.#text = undefined;
  }

  /** Copies place i from another template of the same length. */
  copyPlace(i: number, from: Template): void {
    this.tokens[i] = from.tokens[i]!;
    this.kinds[i] = from.kinds[i]!;
    this.pre[i] = from.pre[i]!;
    this.suf[i] = from.suf[i]!;
    this.#text = undefined;
  }

  /** True when the masked token m fits place i. */
  fits(i: number, m: string): boolean {
    const k = this.kinds[i];
    if (k === LITERAL) return this.tokens[i] === m;
    if (k === ANY) return true;
    const p = this.pre[i]!;
    const s = this.suf[i]!;
    return m.length >= p.length + s.length && m.startsWith(p) && m.endsWith(s);
  }
}

/**
 * A copy of s that shares no memory with the text it was cut from. Lines arrive as slices of a
 * whole chunk of output (splitter.ts), and V8 keeps the chunk alive as long as one slice of it
 * lives: a template that kept a slice would keep 64 KiB of old output with it.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** True when a masked token is nothing but values and punctuation (<*>, <*>:<*>, [<*>]). */
export function isLetterless(t: string): boolean {
  if (!t.includes(WILD)) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (isAlnum(c)) return false;
  }
  return true;
}

/**
 * The token that covers every value: the common prefix and suffix, each cut back to a delimiter
 * so a value never starts or ends mid-word (`CONTAINER_REMOTE_LAUNCH`, `CONTAINER_REMOTE_CLEANUP`
 * → `CONTAINER_REMOTE_<*>`; `/dev/sda1`, `/dev/sdb` → `/dev/<*>`), with <*> between them.
 */
export function generalisation(values: string[]): { token: string; kind: TokenKind; pre: string; suf: string } {
  // Values that are only <*> and punctuation (<*>, <*>:<*>) give a bare <*>.
  if (values.every(isLetterless)) return { token: WILD, kind: ANY, pre: '', suf: '' };
  let pre = values[0]!;
  let suf = values[0]!;
  let min = pre.length;
  for (let v = 1; v < values.length; v++) {
    const x = values[v]!;
    if (x.length < min) min = x.length;
    let k = 0;
    while (k < pre.length && k < x.length && pre.charCodeAt(k) === x.charCodeAt(k)) k++;
    pre = pre.slice(0, k);
    k = 0;
    while (k < suf.length && k < x.length && suf.charCodeAt(suf.length - 1 - k) === x.charCodeAt(x.length - 1 - k)) k++;
    suf = suf.slice(suf.length - k);
  }
  pre = pre.slice(0, cutPrefix(pre));
  suf = suf.slice(cutSuffix(suf));
  // A prefix ending in a value (or a suffix starting with one) would put two values side by side.
  if (pre.endsWith(WILD)) pre = pre.slice(0, cutPrefix(pre.slice(0, -WILD.length)));
  if (suf.startsWith(WILD)) suf = suf.slice(WILD.length).slice(cutSuffix(suf.slice(WILD.length)));
  if (pre.length + suf.length > min) suf = suf.slice(Math.min(suf.length, pre.length + suf.length - min));
  suf = suf.slice(cutSuffix(suf));
  if (pre === '' && suf === '') return { token: WILD, kind: ANY, pre, suf };
  return { token: pre + WILD + suf, kind: AFFIX, pre, suf };
}

// The longest prefix length that ends on a delimiter and not inside a <*>.
function cutPrefix(p: string): number {
  for (let k = p.length; k > 0; k--) {
    const c = p.charCodeAt(k - 1);
    if (isAlnum(c)) continue;
    const head = p.slice(0, k);
    if (head.endsWith('<') || head.endsWith('<*')) continue;
    return k;
  }
  return 0;
}

// The start of the longest suffix that begins on a delimiter and not inside a <*>.
function cutSuffix(s: string): number {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (isAlnum(c)) continue;
    const tail = s.slice(k);
    if (tail.startsWith('>') || tail.startsWith('*>')) continue;
    return k;
  }
  return s.length;
}
