// The last N lines of a log: the live file read backwards from the end (a 1 GB log costs a few
// reads), then the rotated files before it, newest first (file.1 or file.1.gz, file.2, ...), until
// N lines are found. A gzipped file is streamed through gunzip keeping only the lines still
// wanted, so memory stays bounded by what is returned, never by the file. zlib loads only when a
// .gz file is read.
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync } from 'node:fs';

/** Most lines one request may ask for: the answer is held in memory (the daemon's) before it is sent. */
export const MAX_TAIL_LINES = 100_000;

/** Up to `lines` last lines of one plain file, and how many were found. */
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

/** The last `lines` lines of a gzipped file, streamed: only a ring of `lines` lines is kept. */
async function tailOfGzip(file: string, lines: number): Promise<{ text: string; count: number }> {
  const { createGunzip } = await import('node:zlib');
  // A ring of the last `lines` lines: head is the slot the next line overwrites.
  const ring: string[] = [];
  let head = 0;
  let partial = '';
  const keep = (line: string) => {
    if (ring.length < lines) ring.push(line);
    else {
      ring[head] = line;
      head = (head + 1) % lines;
    }
  };
  try {
    for await (const chunk of createReadStream(file).pipe(createGunzip()) as AsyncIterable<Buffer>) {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      for (const p of parts) keep(p);
    }
  } catch {
    // A truncated or corrupt archive: what was read so far is still worth showing.
  }
  if (partial !== '') keep(partial);
  const ordered = [...ring.slice(head), ...ring.slice(0, head)];
  return { text: ordered.length ? ordered.join('\n') + '\n' : '', count: ordered.length };
}

/** The rotated files of `file`, newest first (file.1 or file.1.gz, file.2, ...), as far as they go without a gap. */
export function rotatedFiles(file: string): string[] {
  const out: string[] = [];
  for (let i = 1; i <= 1000; i++) {
    const plain = `${file}.${i}`;
    if (existsSync(plain)) out.push(plain);
    else if (existsSync(`${plain}.gz`)) out.push(`${plain}.gz`);
    else break;
  }
  return out;
}

/** The last `lines` lines of `file` and, when it holds fewer, of its rotated files before it. */
export async function readLastLines(file: string, lines: number): Promise<string> {
  const want = Math.min(lines, MAX_TAIL_LINES);
  const parts: string[] = [];
  let found = 0;
  for (const f of [file, ...rotatedFiles(file)]) {
    if (found >= want) break;
    const r = f.endsWith('.gz') ? await tailOfGzip(f, want - found) : tailOf(f, want - found);
    parts.unshift(r.text);
    found += r.count;
  }
  return parts.join('');
}
