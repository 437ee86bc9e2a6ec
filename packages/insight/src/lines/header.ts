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

interface Token {
  text: string;
  start: number;
  end: number;
}

function tokens(line: string, max: number): Token[] {
  const out: Token[] = [];
  const n = line.length;
  let i = 0;
  while (out.length < max) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    let j = i + 1;
    while (j < n && line.charCodeAt(j) !== 32 && line.charCodeAt(j) !== 9) j++;
    out.push({ text: line.slice(i, j), start: i, end: j });
    i = j;
  }
  return out;
}

/** The level a header token names ([INFO], <warn>, ERROR:, INFO), or NO_LEVEL. */
function tokenLevel(t: string, lowerCaseToo: boolean): number {
  let w = t;
  if ((w.startsWith('[') && w.endsWith(']')) || (w.startsWith('<') && w.endsWith('>'))) w = w.slice(1, -1);
  else if (w.endsWith(':')) w = w.slice(0, -1);
  if (w.length < 3 || w.length > 9) return NO_LEVEL;
  if (w !== w.toUpperCase() && !lowerCaseToo && w === t) return NO_LEVEL;
  return parseLevel(w);
}

const looksLikeTimeOrNumber = (t: string) => /\d/.test(t) && /^[\d[(]|[-:./,T]\d/.test(t);

function split(line: string, end: number, level: number): HeaderSplit {
  let e = end;
  while (e < line.length && (line.charCodeAt(e) === 32 || line.charCodeAt(e) === 9)) e++;
  return { header: line.slice(0, end).trimEnd(), message: line.slice(e), level };
}

/** After the header's last mandatory token at index k: a [thread], '-' separators and a 'logger:' belong to it too. */
function extend(ts: Token[], k: number, numbers = false): number {
  let i = k + 1;
  let steps = 0;
  while (i < ts.length && steps < 3) {
    const t = ts[i]!.text;
    if (COMPONENT.test(t)) return i;
    // A thread name in brackets may hold spaces: [Socket Reader #1 for port 62260].
    if (t.startsWith('[') && !t.endsWith(']')) {
      let j = i + 1;
      while (j < ts.length && j - i < 10 && !ts[j]!.text.endsWith(']')) j++;
      if (j < ts.length && j - i < 10) {
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
  const ts = tokens(line, 14);
  if (ts.length < 2) return { header: '', message: line, level: NO_LEVEL };
  // A line that starts with its level (ERROR …, [warn] …, error: …), as programs print when the
  // supervisor or journald adds the time: the level is read, the message kept whole (the word is
  // constant, and 'Error: ENOENT …' is the error itself, not a header).
  const lead = tokenLevel(ts[0]!.text, /^[[<]|:$/.test(ts[0]!.text));
  if (lead !== NO_LEVEL && !looksLikeTimeOrNumber(ts[1]!.text)) return { header: '', message: line, level: lead };
  let sawTime = false;
  for (let k = 0; k < ts.length - 1; k++) {
    const t = ts[k]!.text;
    const level = sawTime ? tokenLevel(t, k > 0 && looksLikeTimeOrNumber(ts[k - 1]!.text)) : NO_LEVEL;
    if (level !== NO_LEVEL) return split(line, ts[extend(ts, k)]!.end, level);
    // logcat: '03-17 16:13:38.811  1702  2395 D Tag: message'
    if (sawTime && t.length === 1 && NUMBER.test(ts[k - 1]!.text) && COMPONENT.test(ts[k + 1]!.text)) {
      const letter = parseLevelLetter(t);
      if (letter !== NO_LEVEL) return split(line, ts[k + 1]!.end, letter);
    }
    if (looksLikeTimeOrNumber(t) || SEPARATORS.has(t)) sawTime ||= looksLikeTimeOrNumber(t);
    else if (k >= 10 || (!/^[A-Z0-9_:.-]+$/.test(t) && !BRACKETED.test(t) && !COMPONENT.test(t) && !DOTTED.test(t))) break;
  }
  for (const re of TIMESTAMPS) {
    const m = re.exec(line);
    if (!m) continue;
    const letter = m[0].length > 5 && /^[IWEF]\d{4}/.test(m[0]) ? parseLevelLetter(m[0][0]!) : NO_LEVEL;
    const after = ts.findIndex((t) => t.start >= m[0].length);
    if (after < 0) return split(line, m[0].length, letter);
    const last = extend(ts, after - 1, true);
    return split(line, last >= after ? ts[last]!.end : m[0].length, letter);
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
