// The header of a plain log line (timestamp, host, pid, level, thread, logger) found and set
// aside, so only the message is mined. Either configured as a format (logpai's notation:
// '<Date> <Time> <Level> <Component>: <Content>') or found per line:
//   1. syslog: 'Jun 14 15:16:01 host proc[pid]: message';
//   2. a level word (INFO, [warn], <ERROR>, logcat's single letters before 'Tag:') among the
//      first tokens, after something that looks like a time or a number: the header runs to it,
//      plus a [thread], a '-' and a 'logger:' right after;
//   3. a timestamp at the start, plus pids, [threads] and a 'logger:'.
// A line where none of this holds is mined whole (its numbers are masked anyway).
import { NO_LEVEL, parseLevel, parseLevelLetter } from './levels.ts';

export interface HeaderSplit {
  header: string;
  message: string;
  level: number;
}

const SYSLOG = /^[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? +(\S+) +/;
const TIMESTAMPS = [
  /^\[?\d{4}[-/.]\d{2}[-/.]\d{2}(?:[T -]|\s+)\d{2}[:.]\d{2}[:.]\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?(?=\s)/,
  /^\[?\d{2}\/\d{2}\/\d{2,4}[ :]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?(?=\s)/,
  /^\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+(?=\s)/,
  /^\d{6} \d{6}(?=\s)/,
  /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+(?=\s)/,
  /^\d{10}(?:\.\d+)?(?=\s)/,
];
// A logger or process name ending with ':' (sshd[24200]:, dfs.DataNode$PacketResponder:, sshd(pam_unix)[19939]:).
// (Also nginx's 'pid#tid:' and klog's 'file.go:123]'.)
const COMPONENT = /^(?:(?:[A-Za-z_][\w.$/-]*(?:\([\w.:/-]*\))?(?:\[\d+\])?(?:\([\w.:/-]*\))?|\d+#\d+):|[\w.-]+\.\w+:\d+\])$/;
const NUMBER = /^\d+$/;
const BRACKETED = /^\[[^\]\s]{1,64}\]$/;
// A logger name without its colon: shop.orders, org.apache.Foo.
const DOTTED = /^[A-Za-z_][\w$-]*(?:\.[\w$-]+)+$/;
const SEPARATORS = new Set(['-', '|', '--', '::']);
const HEADER_WORD = /^[A-Z0-9_:.-]+$/;

/**
 * The first tokens of a line (split at spaces and tabs), found as far as they are asked for and
 * cut out only when read: most lines settle their header within three or four tokens, so the rest
 * of the line is never scanned. One instance serves every call (splitting is synchronous).
 */
class Tokens {
  line = '';
  /** Tokens found so far. */
  count = 0;
  /** Where scanning stopped. */
  #pos = 0;
  #max = 0;
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly #texts: (string | undefined)[] = [];
  /** looksLikeTimeOrNumber per token: 0 unknown, 1 yes, 2 no. */
  readonly #timeish: number[] = [];

  reset(line: string, max: number): this {
    this.line = line;
    this.count = 0;
    this.#pos = 0;
    this.#max = max;
    return this;
  }

  /** Whether token k exists (within the first `max`). */
  has(k: number): boolean {
    const line = this.line;
    const n = line.length;
    while (this.count <= k && this.count < this.#max) {
      let i = this.#pos;
      while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
      if (i >= n) {
        this.#pos = n;
        return false;
      }
      let j = i + 1;
      while (j < n && line.charCodeAt(j) !== 32 && line.charCodeAt(j) !== 9) j++;
      const c = this.count++;
      this.starts[c] = i;
      this.ends[c] = j;
      this.#texts[c] = undefined;
      this.#timeish[c] = 0;
      this.#pos = j;
    }
    return k < this.count;
  }

  text(k: number): string {
    let t = this.#texts[k];
    if (t === undefined) {
      t = this.line.slice(this.starts[k], this.ends[k]);
      this.#texts[k] = t;
    }
    return t;
  }

  timeish(k: number): boolean {
    let v = this.#timeish[k]!;
    if (v === 0) {
      v = looksLikeTimeOrNumber(this.line, this.starts[k]!, this.ends[k]!) ? 1 : 2;
      this.#timeish[k] = v;
    }
    return v === 1;
  }
}

const shared = new Tokens();

/** The level a header token names ([INFO], <warn>, ERROR:, INFO), or NO_LEVEL. */
function tokenLevel(t: string, lowerCaseToo: boolean): number {
  let w = t;
  const first = t.charCodeAt(0);
  const last = t.charCodeAt(t.length - 1);
  if ((first === 91 && last === 93) || (first === 60 && last === 62)) w = w.slice(1, -1);
  else if (last === 58) w = w.slice(0, -1);
  if (w.length < 3 || w.length > 9) return NO_LEVEL;
  if (!lowerCaseToo && w === t && hasLowerCase(w)) return NO_LEVEL;
  return parseLevel(w);
}

function hasLowerCase(w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c >= 97 && c <= 122) return true;
    // Other scripts: what toUpperCase would change.
    if (c > 127) return w !== w.toUpperCase();
  }
  return false;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** s[a, b) holds a digit and starts with a digit, '[' or '(', or has a digit right after one of -:./,T (a time, a date, a number). */
function looksLikeTimeOrNumber(s: string, a: number, b: number): boolean {
  const c0 = s.charCodeAt(a);
  let shaped = isDigit(c0) || c0 === 91 || c0 === 40;
  let digit = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) continue;
    digit = true;
    if (!shaped && i > a) {
      const p = s.charCodeAt(i - 1);
      shaped = p === 45 || p === 58 || p === 46 || p === 47 || p === 44 || p === 84;
    }
    if (shaped) return true;
  }
  return digit && shaped;
}

function split(line: string, end: number, level: number): HeaderSplit {
  let e = end;
  while (e < line.length && (line.charCodeAt(e) === 32 || line.charCodeAt(e) === 9)) e++;
  return { header: line.slice(0, end).trimEnd(), message: line.slice(e), level };
}

/** After the header's last mandatory token at index k: a [thread], '-' separators and a 'logger:' belong to it too. */
function extend(ts: Tokens, k: number, numbers = false): number {
  let i = k + 1;
  let steps = 0;
  while (ts.has(i) && steps < 3) {
    const t = ts.text(i);
    if (COMPONENT.test(t)) return i;
    // A thread name in brackets may hold spaces: [Socket Reader #1 for port 62260].
    if (t.charCodeAt(0) === 91 && t.charCodeAt(t.length - 1) !== 93) {
      let j = i + 1;
      while (ts.has(j) && j - i < 10 && ts.text(j).charCodeAt(ts.text(j).length - 1) !== 93) j++;
      if (ts.has(j) && j - i < 10) {
        i = j + 1;
        steps++;
        continue;
      }
    }
    if (BRACKETED.test(t) || SEPARATORS.has(t) || (numbers && NUMBER.test(t))) {
      i++;
      steps++;
      continue;
    }
    break;
  }
  // Trailing separators without a logger still belong to the header; other tokens do not.
  return i - 1;
}

/** Finds the header of a plain line; header '' when none is recognised. */
export function splitHeader(line: string): HeaderSplit {
  const sys = SYSLOG.exec(line);
  if (sys) {
    const rest = line.slice(sys[0].length);
    const sp = rest.indexOf(' ');
    const first = sp < 0 ? rest : rest.slice(0, sp);
    if (COMPONENT.test(first)) return split(line, sys[0].length + first.length, NO_LEVEL);
    // launchd style: 'sandboxd[129] ([31211]): message'
    const two = /^[\w.$/-]+\[\d+\] \([^\s)]*\):(?= )/.exec(rest);
    if (two) return split(line, sys[0].length + two[0].length, NO_LEVEL);
    return split(line, sys[0].length, NO_LEVEL);
  }
  const ts = shared.reset(line, 14);
  if (!ts.has(1)) return { header: '', message: line, level: NO_LEVEL };
  // A line that starts with its level (ERROR …, [warn] …, error: …), as programs print when the
  // supervisor or journald adds the time: the level is read, the message kept whole (the word is
  // constant, and 'Error: ENOENT …' is the error itself, not a header).
  const t0 = ts.text(0);
  const c0 = t0.charCodeAt(0);
  const lead = tokenLevel(t0, c0 === 91 || c0 === 60 || t0.charCodeAt(t0.length - 1) === 58);
  if (lead !== NO_LEVEL && !ts.timeish(1)) return { header: '', message: line, level: lead };
  let sawTime = false;
  for (let k = 0; ts.has(k + 1); k++) {
    const t = ts.text(k);
    const level = sawTime ? tokenLevel(t, k > 0 && ts.timeish(k - 1)) : NO_LEVEL;
    if (level !== NO_LEVEL) return split(line, ts.ends[extend(ts, k)]!, level);
    // logcat: '03-17 16:13:38.811  1702  2395 D Tag: message'
    if (sawTime && t.length === 1 && NUMBER.test(ts.text(k - 1)) && COMPONENT.test(ts.text(k + 1))) {
      const letter = parseLevelLetter(t);
      if (letter !== NO_LEVEL) return split(line, ts.ends[k + 1]!, letter);
    }
    const timeish = ts.timeish(k);
    if (timeish || SEPARATORS.has(t)) sawTime ||= timeish;
    else if (k >= 10 || (!HEADER_WORD.test(t) && !BRACKETED.test(t) && !COMPONENT.test(t) && !DOTTED.test(t))) break;
  }
  for (const re of TIMESTAMPS) {
    const m = re.exec(line);
    if (!m) continue;
    const letter = m[0].length > 5 && /^[IWEF]\d{4}/.test(m[0]) ? parseLevelLetter(m[0][0]!) : NO_LEVEL;
    let after = 0;
    while (ts.has(after) && ts.starts[after]! < m[0].length) after++;
    if (!ts.has(after)) return split(line, m[0].length, letter);
    const last = extend(ts, after - 1, true);
    return split(line, last >= after ? ts.ends[last]! : m[0].length, letter);
  }
  return { header: '', message: line, level: NO_LEVEL };
}

/**
 * A configured header: logpai's notation, fields in <angle brackets> and the message as
 * <Content>, e.g. '<Date> <Time> <Pid> <Level> <Component>: <Content>'. A <Level> field sets the
 * level. Lines that do not fit are mined whole.
 */
export function compileHeaderFormat(format: string): (line: string) => HeaderSplit {
  if (!format.includes('<Content>'))
    throw new Error(`a header format needs a <Content> field, e.g. '<Date> <Time> <Level> <Component>: <Content>'; got '${format}'`);
  const parts = format.split(/(<[A-Za-z_][\w]*>)/);
  let src = '^';
  for (const p of parts) {
    if (p === '') continue;
    const field = /^<([A-Za-z_]\w*)>$/.exec(p);
    if (field) src += field[1] === 'Content' ? '(?<Content>.*)' : `(?<${field[1]}>.*?)`;
    else src += p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ +/g, '\\s+');
  }
  const re = new RegExp(`${src}$`, 's');
  return (line) => {
    const m = re.exec(line);
    if (!m?.groups) return { header: '', message: line, level: NO_LEVEL };
    const content = m.groups.Content!;
    return { header: line.slice(0, line.length - content.length).trimEnd(), message: content, level: parseLevel(m.groups.Level) };
  };
}
