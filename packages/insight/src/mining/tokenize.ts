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

const DATE_WORDS = new Set(
  'Jan Feb Mar Apr May Jun Jul Aug Sep Sept Oct Nov Dec January February March April June July August September October November December Mon Tue Wed Thu Fri Sat Sun Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split(' '),
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

/** A size unit after a value is part of the value: its unit changes with the magnitude. */
function maskSizeUnits(masked: string[]): void {
  for (let i = 1; i < masked.length; i++) {
    const t = masked[i]!;
    let e = t.length;
    while (e > 0 && (t.charCodeAt(e - 1) === 44 || t.charCodeAt(e - 1) === 41 || t.charCodeAt(e - 1) === 59)) e--;
    if (e >= 1 && e <= 3 && SIZE_UNITS.has(e === t.length ? t : t.slice(0, e)) && masked[i - 1]!.endsWith(WILD)) masked[i] = WILD + t.slice(e);
  }
}

const trimComma = (t: string) => (t.endsWith(',') ? t.slice(0, -1) : t);
