// Masking: the values that are obviously variable (numbers, hex, ids, UUIDs, addresses, URLs with
// an address or id in them) become <*> before a message is clustered, so that grouping only has to
// learn the variables that look like words. Masking works inside a token and keeps the constant
// parts around a value (`blk_<*>`, `rhost=<*>`, `<*>:<*>`), the way people write templates.
//
// The scanner reads each token once by character code: it is on the hot path of every log line.
import type { ResolvedMaskOptions } from './options.ts';

export const WILD = '<*>';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isDigit(c) || isLetter(c);
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isWord = (c: number) => isAlnum(c) || c === 95; // [A-Za-z0-9_]

/** Masks one whitespace-free token at a time; pushes each masked-out value to `params` when given. */
export class Masker {
  readonly #o: ResolvedMaskOptions;
  readonly #scanWithoutDigit: boolean;

  constructor(options: ResolvedMaskOptions) {
    this.#o = options;
    this.#scanWithoutDigit = options.quoted || options.paths;
  }

  /** True when a token without a digit may still change (quoted strings or paths are masked). */
  get scansEveryToken(): boolean {
    return this.#scanWithoutDigit;
  }

  /** The masked form of s[a, b). */
  token(s: string, a: number, b: number, params: string[] | undefined): string {
    // One pass for what decides the work: a digit (else nothing to mask) and a '://' (a URL).
    let digit = false;
    let p = -1;
    for (let i = a; i < b; i++) {
      const c = s.charCodeAt(i);
      if (c <= 58) {
        if (c >= 48 && c <= 57) digit = true;
        else if (c === 58 && p < 0 && i + 2 < b && s.charCodeAt(i + 1) === 47 && s.charCodeAt(i + 2) === 47) p = i;
      }
    }
    if (!digit && !this.#scanWithoutDigit) return a === 0 && b === s.length ? s : s.slice(a, b);
    const o = this.#o;
    if (o.url && digit) {
      if (p > a && p + 3 < b) {
        let q = p;
        while (q > a && isSchemeChar(s.charCodeAt(q - 1))) q--;
        let end = b;
        while (end > p + 3 && isClosing(s.charCodeAt(end - 1))) end--;
        if (q < p && isLetter(s.charCodeAt(q)) && hasDigit(s, p + 3, end)) {
          if (params) params.push(s.slice(p + 3, end));
          return this.#scan(s, a, p + 3, params) + WILD + s.slice(end, b);
        }
      }
    }
    return this.#scan(s, a, b, params);
  }

  #scan(s: string, a: number, b: number, params: string[] | undefined): string {
    const o = this.#o;
    let out = '';
    let lit = a; // start of the literal text not yet copied to out
    let i = a;
    while (i < b) {
      const c = s.charCodeAt(i);
      if (!isAlnum(c)) {
        if (o.quoted && (c === 34 || c === 39)) {
          const k = s.indexOf(c === 34 ? '"' : "'", i + 1);
          if (k > i + 1 && k < b) {
            out += s.slice(lit, i + 1) + WILD;
            if (params) params.push(s.slice(i + 1, k));
            lit = k;
            i = k + 1;
            continue;
          }
        }
        if (o.paths && c === 47 && (i === a || !isAlnum(s.charCodeAt(i - 1)))) {
          const e = pathEnd(s, i, b);
          if (e > 0) {
            out += s.slice(lit, i) + WILD;
            if (params) params.push(s.slice(i, e));
            lit = i = e;
            continue;
          }
        }
        i++;
        continue;
      }
      const digitLed = isDigit(c);
      let j = i + 1;
      let digits = digitLed ? 1 : 0;
      let allHex = isHex(c);
      for (; j < b; j++) {
        const d = s.charCodeAt(j);
        if (d >= 48 && d <= 57) digits++;
        else if (isLetter(d)) allHex &&= isHex(d);
        else break;
      }
      // Values that span several runs (addresses, UUIDs, host names, numbers with units) are
      // only tried when the character after this run can continue one.
      const next = j < b ? s.charCodeAt(j) : 0;
      let e = 0;
      if (next === 46 || next === 58 || next === 45) {
        if (o.ip)
          e =
            (digitLed && next === 46 && !(i > a + 1 && s.charCodeAt(i - 1) === 46 && isDigit(s.charCodeAt(i - 2)))
              ? ipv4End(s, i, b)
              : 0) ||
            (j - i === 2 ? macEnd(s, i, b) : 0) ||
            (j - i <= 4 && next === 58 ? ipv6End(s, i, b) : 0);
        if (!e && o.uuid && j - i === 8 && next === 45) e = uuidEnd(s, i, b);
        if (!e && o.hosts && next !== 58 && (i === a || !isHostChar(s.charCodeAt(i - 1)))) e = hostEnd(s, i, b);
      }
      if (!e && digitLed && (o.durations || o.sizes) && (next === 46 || !isDigit(s.charCodeAt(j - 1)))) {
        if (o.durations) e = unitEnd(s, i, b, DURATION_UNITS);
        if (!e && o.sizes) e = unitEnd(s, i, b, SIZE_UNITS);
      }
      if (e) {
        out += s.slice(lit, i) + WILD;
        if (params) params.push(s.slice(i, e));
        lit = i = e;
        continue;
      }
      if (!digitLed && o.ids && j < b && s.charCodeAt(j) === 95) {
        const k = idValueStart(s, j, b, o);
        if (k > 0) {
          let end = k;
          while (end < b && (isWord(s.charCodeAt(end)) || (s.charCodeAt(end) === 45 && s.charCodeAt(end - 1) === 95))) end++;
          out += s.slice(lit, k) + WILD;
          if (params) params.push(s.slice(k, end));
          lit = i = end;
          continue;
        }
      }
      if (digitLed ? o.numbers : digits > 0 && j - i >= 6 && ((allHex && o.hex) || (o.ids && j - i >= 16 && digits * 4 >= j - i))) {
        // A minus sign belongs to the number unless it joins two words or numbers (2015-10-18).
        const start = i > a && s.charCodeAt(i - 1) === 45 && digitLed && (i - 1 === a || !isAlnum(s.charCodeAt(i - 2))) ? i - 1 : i;
        out += s.slice(lit, start) + WILD;
        if (params) params.push(s.slice(start, j));
        lit = j;
      }
      i = j;
    }
    return lit === a ? s.slice(a, b) : out + s.slice(lit, b);
  }
}

/** One alphanumeric run s[i, j) that is a value on its own: a number, a hex string, a long random id. */
function isVariableRun(s: string, i: number, j: number, o: ResolvedMaskOptions): boolean {
  if (isDigit(s.charCodeAt(i))) return o.numbers;
  const n = j - i;
  if (n < 6) return false;
  let digits = 0;
  let allHex = true;
  for (let k = i; k < j; k++) {
    const c = s.charCodeAt(k);
    if (isDigit(c)) digits++;
    else if (!isHex(c)) allHex = false;
  }
  if (digits === 0) return false;
  if (allHex && o.hex) return true;
  return o.ids && n >= 16 && digits * 4 >= n;
}

/** For `word_…` at the '_' at u: where the value starts when a later segment is a value (job_2015_0001 → 4), else 0. */
function idValueStart(s: string, u: number, b: number, o: ResolvedMaskOptions): number {
  while (u < b && s.charCodeAt(u) === 95) {
    const v = u + 1;
    if (v < b && s.charCodeAt(v) === 45 && v + 1 < b && isDigit(s.charCodeAt(v + 1))) return v;
    let w = v;
    while (w < b && isAlnum(s.charCodeAt(w))) w++;
    if (w > v && isVariableRun(s, v, w, o)) return v;
    u = w;
  }
  return 0;
}

function hasDigit(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (isDigit(s.charCodeAt(i))) return true;
  return false;
}

const isSchemeChar = (c: number) => isAlnum(c) || c === 43 || c === 45 || c === 46;
// ) ] } > ' " , ; .
const isClosing = (c: number) => c === 41 || c === 93 || c === 125 || c === 62 || c === 39 || c === 34 || c === 44 || c === 59 || c === 46;

function digitsEnd(s: string, i: number, b: number, max: number): number {
  let j = i;
  while (j < b && j - i < max + 1 && isDigit(s.charCodeAt(j))) j++;
  return j > i && j - i <= max ? j : 0;
}

/** End of an IPv4 address at i (not part of a longer dotted number), or 0. */
function ipv4End(s: string, i: number, b: number): number {
  let j = i;
  for (let g = 0; g < 4; g++) {
    if (g > 0) {
      if (j >= b || s.charCodeAt(j) !== 46) return 0;
      j++;
    }
    const e = digitsEnd(s, j, b, 3);
    if (!e) return 0;
    j = e;
  }
  if (j < b) {
    const c = s.charCodeAt(j);
    if (isAlnum(c) || (c === 46 && j + 1 < b && isDigit(s.charCodeAt(j + 1)))) return 0;
  }
  return j;
}

function hexEnd(s: string, i: number, b: number, max: number): number {
  let j = i;
  while (j < b && j - i <= max && isHex(s.charCodeAt(j))) j++;
  return j > i && j - i <= max ? j : 0;
}

const isHostChar = (c: number) => isAlnum(c) || c === 45 || c === 46 || c === 95;

const TLDS = new Set(
  (
    'com net org edu gov mil int io co cn uk de fr jp ru br in au ca us eu nl se ch es it pl kr tw hk sg info biz local ' +
    'localdomain internal lan arpa cloud dev app'
  ).split(' '),
);

/** End of a host name at i (see MaskFlags.hosts), or 0. */
function hostEnd(s: string, i: number, b: number): number {
  let k = i;
  let dots = 0;
  let hyphens = 0;
  let digits = 0;
  let letters = 0;
  let lastLabel = i;
  while (k < b) {
    const c = s.charCodeAt(k);
    if (isDigit(c)) digits++;
    else if (isLetter(c)) letters++;
    else if ((c === 46 || c === 45) && k + 1 < b && isAlnum(s.charCodeAt(k + 1))) {
      if (c === 46) {
        dots++;
        lastLabel = k + 1;
      } else hyphens++;
    } else break;
    k++;
  }
  if (letters === 0) return 0;
  if (dots >= 2) {
    const first = s.slice(i, s.indexOf('.', i)).toLowerCase();
    if (TLDS.has(s.slice(lastLabel, k).toLowerCase()) && !TLDS.has(first)) return k;
  }
  if (digits === 0 || dots + hyphens === 0 || k >= b) return 0;
  const c = s.charCodeAt(k);
  if (c === 47 && k + 1 < b && isDigit(s.charCodeAt(k + 1))) return k;
  if (c === 58) {
    const e = digitsEnd(s, k + 1, b, 5);
    if (e && !(e < b && (isAlnum(s.charCodeAt(e)) || s.charCodeAt(e) === 46))) return k;
  }
  return 0;
}

/** End of a MAC address (six two-digit hex groups joined by ':' or '-') at i, or 0. */
function macEnd(s: string, i: number, b: number): number {
  if (i + 17 > b) return 0;
  const sep = s.charCodeAt(i + 2);
  if (sep !== 58 && sep !== 45) return 0;
  for (let g = 0; g < 6; g++) {
    const p = i + g * 3;
    if (!isHex(s.charCodeAt(p)) || !isHex(s.charCodeAt(p + 1))) return 0;
    if (g < 5 && s.charCodeAt(p + 2) !== sep) return 0;
  }
  const e = i + 17;
  return e < b && isAlnum(s.charCodeAt(e)) ? 0 : e;
}

/** End of an IPv6 address (with '::' or all eight groups, optional %zone) at i, or 0. */
function ipv6End(s: string, i: number, b: number): number {
  let j = i;
  let groups = 0;
  let colons = 0;
  let double = false;
  while (j < b) {
    const e = hexEnd(s, j, b, 4);
    if (e) {
      groups++;
      j = e;
    }
    if (j < b && s.charCodeAt(j) === 58) {
      if (j + 1 < b && s.charCodeAt(j + 1) === 58) {
        if (double) return 0;
        double = true;
        colons += 2;
        j += 2;
      } else {
        if (!e) return 0;
        colons++;
        j++;
      }
      continue;
    }
    break;
  }
  if (colons < 2 || groups < 2 || !(double || groups === 8) || !hasDigit(s, i, j)) return 0;
  if (s.charCodeAt(j - 1) === 58 && !(double && s.charCodeAt(j - 2) === 58)) return 0;
  if (j < b && s.charCodeAt(j) === 37) {
    j++;
    while (j < b && isAlnum(s.charCodeAt(j))) j++;
  }
  return j < b && isAlnum(s.charCodeAt(j)) ? 0 : j;
}

/** End of a UUID (8-4-4-4-12 hex) at i, or 0. */
function uuidEnd(s: string, i: number, b: number): number {
  let j = i;
  const sizes = [8, 4, 4, 4, 12];
  for (let g = 0; g < 5; g++) {
    if (g > 0) {
      if (s.charCodeAt(j) !== 45) return 0;
      j++;
    }
    const e = hexEnd(s, j, b, sizes[g]!);
    if (e - j !== sizes[g]) return 0;
    j = e;
  }
  return j < b && isAlnum(s.charCodeAt(j)) ? 0 : j;
}

/** End of a path at the '/' at i: at least one segment after it, or 0. */
function pathEnd(s: string, i: number, b: number): number {
  let j = i + 1;
  while (j < b) {
    const c = s.charCodeAt(j);
    if (isAlnum(c) || c === 47 || c === 46 || c === 95 || c === 45 || c === 126) j++;
    else break;
  }
  while (j > i + 1 && s.charCodeAt(j - 1) === 46) j--;
  return j > i + 1 ? j : 0;
}

const DURATION_UNITS = ['ns', 'us', 'µs', 'ms', 's', 'sec', 'secs', 'm', 'min', 'mins', 'h', 'd'];
const SIZE_UNITS = ['b', 'B', 'k', 'K', 'KB', 'kB', 'KiB', 'M', 'MB', 'MiB', 'G', 'GB', 'GiB', 'T', 'TB', 'TiB'];

/** End of a number with a unit (1.5s, 3m20s, 2.5GiB) at i, or 0. */
function unitEnd(s: string, i: number, b: number, units: string[]): number {
  let j = i;
  let parts = 0;
  while (j < b && isDigit(s.charCodeAt(j))) {
    while (j < b && isDigit(s.charCodeAt(j))) j++;
    if (j + 1 < b && s.charCodeAt(j) === 46 && isDigit(s.charCodeAt(j + 1))) {
      j++;
      while (j < b && isDigit(s.charCodeAt(j))) j++;
    }
    let u = j;
    while (u < b && (isLetter(s.charCodeAt(u)) || s.charCodeAt(u) === 181)) u++;
    if (u === j || !units.includes(s.slice(j, u))) return 0;
    j = u;
    parts++;
  }
  return parts > 0 && !(j < b && isAlnum(s.charCodeAt(j))) ? j : 0;
}
