// The last N lines of a log, reading backwards from the end (a 1 GB log costs a few reads),
// continuing into the newest rotated file when the current one is shorter than N lines.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

function tailOf(file: string, lines: number): { text: Buffer; complete: boolean } {
  if (!existsSync(file)) return { text: Buffer.alloc(0), complete: false };
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    while (pos > 0) {
      const len = Math.min(65536, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      chunks.unshift(buf);
      // The final newline ends the last line; N lines need N+1 newlines before them to be complete.
      for (let i = len - 1; i >= 0; i--) if (buf[i] === 0x0a && !(pos + i === size - 1)) newlines++;
      if (newlines >= lines) break;
    }
    const all = Buffer.concat(chunks);
    let start = 0;
    let seen = 0;
    for (let i = all.length - 1; i >= 0; i--) {
      if (all[i] === 0x0a && i !== all.length - 1) {
        seen++;
        if (seen === lines) {
          start = i + 1;
          break;
        }
      }
    }
    return { text: all.subarray(start), complete: seen >= lines };
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of `file` (and of `file.1` before it when needed). */
export function readLastLines(file: string, lines: number): string {
  if (lines <= 0) return '';
  const current = tailOf(file, lines);
  if (current.complete) return current.text.toString('utf8');
  const have = current.text.length === 0 ? 0 : current.text.toString('utf8').split('\n').filter((l, i, a) => l !== '' || i < a.length - 1).length;
  const older = tailOf(`${file}.1`, lines - have);
  return Buffer.concat([older.text, current.text]).toString('utf8');
}
