// A message as the miner sees it: whitespace-separated tokens, each masked (mask.ts), with the
// position of each raw token kept so parameters can be cut from the original text.
import type { Masker } from './mask.ts';
import { WILD } from './mask.ts';
import type { ResolvedMaskOptions } from './options.ts';

export interface Tokenized {
  /** The message after custom masks (what positions refer to). */
  text: string;
  masked: string[];
  starts: number[];
  ends: number[];
  /** Values taken out by custom masks, in order (they are <*> in `text`). */
  customParams: string[];
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;

const NONE: string[] = [];
const NO_POSITIONS: number[] = [];

/**
 * Splits and masks a message; tokens past maxTokens are one trailing value. Positions are only
 * recorded when asked (parameters need them; grouping does not).
 */
export function tokenize(message: string, masker: Masker, masks: ResolvedMaskOptions, maxTokens: number, positions = true): Tokenized {
  const customParams: string[] = masks.custom.length ? [] : NONE;
  let text = message;
  for (const c of masks.custom) {
    c.regex.lastIndex = 0;
    if (c.regex.test(text)) {
      c.regex.lastIndex = 0;
      text = text.replace(c.regex, (m: string) => {
        customParams.push(m);
        return WILD;
      });
    }
  }
  const masked: string[] = [];
  const starts: number[] = positions ? [] : NO_POSITIONS;
  const ends: number[] = positions ? [] : NO_POSITIONS;
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    let j = i + 1;
    while (j < n && !isSpace(text.charCodeAt(j))) j++;
    if (masked.length === maxTokens - 1) {
      let e = n;
      while (isSpace(text.charCodeAt(e - 1))) e--;
      if (e > j) {
        masked.push(WILD);
        if (positions) {
          starts.push(i);
          ends.push(e);
        }
        break;
      }
    }
    masked.push(masker.token(text, i, j, undefined));
    if (positions) {
      starts.push(i);
      ends.push(j);
    }
    i = j;
  }
  if (masks.dates || masks.sizes) {
    // Both rules are about a word next to a value; most tokens are neither, so test cheaply first.
    let dates = false;
    let units = false;
    for (let k = 0; k < masked.length; k++) {
      const c = masked[k]!.charCodeAt(0);
      if (c >= 65 && c <= 87) {
        dates ||= masks.dates && isDateWord(masked[k]!);
        units ||= masks.sizes && k > 0 && masked[k]!.length <= 4;
      } else if (c === 107) units ||= masks.sizes && k > 0 && masked[k]!.length <= 4;
    }
    if (dates) maskDateWords(masked);
    if (units) maskSizeUnits(masked);
  }
  return { text, masked, starts, ends, customParams };
}

// The cache key of a message is a hash of its masked form (tokens joined by one space), taken in
// the same scan that finds the values, without building the masked text: two 32-bit hashes of
// different construction (FNV-1a, and the polynomial ×31) plus the length. A message seen before
// is then answered without any string being allocated. Two different masked texts would have to
// agree on 64 bits and their length to be confused, about once in 10^15 lookups of a full cache.
/** A masked message's hash: [h1, h2, length]. */
export interface KeyHash {
  h1: number;
  h2: number;
  len: number;
}

/** The hash of a masked text as it is (what maskedHash computes for a message that masks to it). */
export function hashText(text: string, out: KeyHash): KeyHash {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = (Math.imul(h2, 31) + c) | 0;
  }
  out.h1 = h1;
  out.h2 = h2;
  out.len = text.length;
  return out;
}

/**
 * The hash of the masked message (tokens joined by one space) in one scan, without building the
 * token list or the masked text: the cache key, which is all a message already seen needs. False
 * when the message needs the full path: custom masks, more than maxTokens tokens, or a month
 * name or size unit (rules that look at neighbouring tokens).
 */
export function maskedHash(message: string, masker: Masker, masks: ResolvedMaskOptions, maxTokens: number, out: KeyHash): boolean {
  if (masks.custom.length) return false;
  const always = masker.scansEveryToken;
  const n = message.length;
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0;
  let len = 0;
  let tokens = 0;
  let prevEndsWild = false;
  let i = 0;
  while (i < n) {
    let c = message.charCodeAt(i);
    while (c <= 32 && isSpace(c)) {
      if (++i >= n) break;
      c = message.charCodeAt(i);
    }
    if (i >= n) break;
    if (++tokens >= maxTokens) return false;
    if (len > 0) {
      h1 = Math.imul(h1 ^ 32, 0x01000193);
      h2 = (Math.imul(h2, 31) + 32) | 0;
      len++;
    }
    // The token is hashed as it is while its end is found; one the masker changes is hashed
    // again from where it started. Most tokens hold no digit and are left as they are.
    const s1 = h1;
    const s2 = h2;
    const sl = len;
    let digit = false;
    let allDigits = true;
    let j = i;
    while (j < n) {
      c = message.charCodeAt(j);
      if (c <= 32 && isSpace(c)) break;
      if (c >= 48 && c <= 57) digit = true;
      else allDigits = false;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = (Math.imul(h2, 31) + c) | 0;
      j++;
    }
    len += j - i;
    const first = message.charCodeAt(i);
    let unit = -1;
    if ((first >= 65 && first <= 87) || first === 107) {
      if (masks.dates && isDateWordAt(message, i, j)) return false;
      if (masks.sizes && prevEndsWild) unit = unitEndAt(message, i, j);
    }
    let masked: string | undefined;
    if (unit > 0) {
      // A size unit after a value is part of the value (its unit changes with the magnitude).
      masked = WILD + message.slice(unit, j);
    } else if (allDigits && masks.numbers) {
      // What the masker makes of a number standing alone.
      masked = WILD;
    } else if (digit || always) {
      const m = masker.token(message, i, j, undefined);
      if (m.length !== j - i || !message.startsWith(m, i)) masked = m;
    }
    if (masked !== undefined) {
      h1 = s1;
      h2 = s2;
      len = sl + masked.length;
      for (let k = 0; k < masked.length; k++) {
        const d = masked.charCodeAt(k);
        h1 = Math.imul(h1 ^ d, 0x01000193);
        h2 = (Math.imul(h2, 31) + d) | 0;
      }
      prevEndsWild = masked.endsWith(WILD);
    } else prevEndsWild = j - i >= 3 && message.startsWith(WILD, j - 3);
    i = j;
  }
  out.h1 = h1;
  out.h2 = h2;
  out.len = len;
  return true;
}

/** True when s[a, b) is a month or weekday name, with an optional trailing comma. */
function isDateWordAt(s: string, a: number, b: number): boolean {
  const len = b - a;
  if (len < 3 || len > 10) return false;
  const list = DATE_BY_FIRST.get(s.charCodeAt(a));
  if (list)
    for (const w of list) if ((len === w.length || (len === w.length + 1 && s.charCodeAt(b - 1) === 44)) && s.startsWith(w, a)) return true;
  return false;
}

/** Where a size unit in s[a, b) ends (before a trailing , ) or ;), or -1 when it is not one. */
function unitEndAt(s: string, a: number, b: number): number {
  if (b - a > 4) return -1;
  let e = b;
  while (e > a && (s.charCodeAt(e - 1) === 44 || s.charCodeAt(e - 1) === 41 || s.charCodeAt(e - 1) === 59)) e--;
  return e - a >= 1 && e - a <= 3 && SIZE_UNITS.has(s.slice(a, e)) ? e : -1;
}

const DATE_WORDS = new Set(
  (
    'Jan Feb Mar Apr May Jun Jul Aug Sep Sept Oct Nov Dec January February March April June July August September ' +
    'October November December Mon Tue Wed Thu Fri Sat Sun Monday Tuesday Wednesday Thursday Friday Saturday Sunday'
  ).split(' '),
);

function isValue(t: string): boolean {
  if (!t.startsWith(WILD)) return false;
  for (let i = 3; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return false;
  }
  return true;
}

/** A month or weekday name, with an optional trailing comma (a cheap test first: they are rare). */
function isDateWord(t: string): boolean {
  const c = t.charCodeAt(0);
  if (c < 65 || c > 87 || t.length < 3 || t.length > 10) return false;
  return DATE_WORDS.has(trimComma(t));
}

/** Month and weekday names inside a run of date words and values become values, when the run has a value. */
function maskDateWords(masked: string[]): void {
  let i = 0;
  while (i < masked.length) {
    if (!isDateWord(masked[i]!) && !isValue(masked[i]!)) {
      i++;
      continue;
    }
    let j = i;
    let words = 0;
    let values = 0;
    for (; j < masked.length; j++) {
      const t = masked[j]!;
      if (isDateWord(t)) words++;
      else if (isValue(t)) values++;
      else break;
    }
    if (words && values) for (let k = i; k < j; k++) if (isDateWord(masked[k]!)) masked[k] = masked[k]!.endsWith(',') ? `${WILD},` : WILD;
    i = j;
  }
}

const SIZE_UNITS = new Set('B KB kB MB GB TB PB KiB MiB GiB TiB PiB'.split(' '));

const DATE_BY_FIRST = new Map<number, string[]>();
for (const w of DATE_WORDS) {
  const c = w.charCodeAt(0);
  DATE_BY_FIRST.set(c, [...(DATE_BY_FIRST.get(c) ?? []), w]);
}

/** A size unit after a value is part of the value: its unit changes with the magnitude. */
function maskSizeUnits(masked: string[]): void {
  for (let i = 1; i < masked.length; i++) {
    const t = masked[i]!;
    let e = t.length;
    while (e > 0 && (t.charCodeAt(e - 1) === 44 || t.charCodeAt(e - 1) === 41 || t.charCodeAt(e - 1) === 59)) e--;
    if (e >= 1 && e <= 3 && SIZE_UNITS.has(e === t.length ? t : t.slice(0, e)) && masked[i - 1]!.endsWith(WILD))
      masked[i] = WILD + t.slice(e);
  }
}

const trimComma = (t: string) => (t.endsWith(',') ? t.slice(0, -1) : t);
