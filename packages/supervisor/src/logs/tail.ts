// The last N lines of a log, reading backwards from the end (a 1 GB log costs a few reads),
// continuing into the newest rotated file when the current one holds fewer than N lines.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

/** Up to `lines` last lines of one file, and whether the file had that many. */
function tailOf(file: string, lines: number): { text: string; count: number } {
  if (lines <= 0 || !existsSync(file)) return { text: '', count: 0 };
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    // N complete lines need N newlines before the last one (the final newline ends the last line).
    while (pos > 0 && newlines <= lines) {
      const len = Math.min(65536, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      chunks.unshift(buf);
      for (let i = 0; i < len; i++) if (buf[i] === 0x0a) newlines++;
    }
    const all = Buffer.concat(chunks).toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    // Unless we reached the start of the file, the first piece is a partial line.
    if (pos > 0) all.shift();
    const kept = all.slice(-lines);
    return { text: kept.length ? kept.join('\n') + '\n' : '', count: kept.length };
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of `file` (and of `file.1` before it when needed). */
export function readLastLines(file: string, lines: number): string {
  const current = tailOf(file, lines);
  if (current.count >= lines) return current.text;
  return tailOf(`${file}.1`, lines - current.count).text + current.text;
}
