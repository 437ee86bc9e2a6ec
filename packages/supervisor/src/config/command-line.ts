// A command written as one string runs without a shell unless `shell: true`, so we split it into
// argv ourselves with the quoting rules people expect from sh (quotes and backslashes, no
// expansion). Operators a shell would interpret are refused rather than passed on literally:
// `node app.js > out.log` silently giving node a '>' argument is the bug we prevent.

export type SplitResult = { ok: true; argv: string[] } | { ok: false; error: string };

const OPERATORS = ['&&', '||', '|', ';', '>', '<', '`', '$(', '&'];

/** Splits a command line into words: '…' literal, "…" with \\ \" \$ \` escapes, \x outside quotes. */
export function splitCommandLine(line: string): SplitResult {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: `unterminated single quote at character ${i + 1}` };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= line.length) return { ok: false, error: `unterminated double quote at character ${i + 1}` };
        const d = line[j]!;
        if (d === '"') break;
        if (d === '\\' && j + 1 < line.length && '\\"$`'.includes(line[j + 1]!)) {
          word += line[j + 1];
          j += 2;
          continue;
        }
        word += d;
        j++;
      }
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= line.length) return { ok: false, error: 'trailing backslash' };
      word += line[i + 1];
      inWord = true;
      i += 2;
      continue;
    }
    const op = OPERATORS.find((o) => line.startsWith(o, i));
    if (op) {
      return {
        ok: false,
        error:
          `'${op}' at ` +
          `character ${i + 1} is shell syntax, but this command runs without a shell: set 'shell: ` +
          `true', or write the command as an argv list`,
      };
    }
    word += c;
    inWord = true;
    i++;
  }
  if (inWord) argv.push(word);
  if (argv.length === 0) return { ok: false, error: 'the command is empty' };
  return { ok: true, argv };
}
