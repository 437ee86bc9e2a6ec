// GET /v1/logs: the tail of an instance's log (rotated and gzipped files included), or of every
// instance of a program or group merged, each line prefixed with its instance; with follow=1,
// what they write next. A follower that reads slower than the programs write is skipped ahead
// instead of buffered without bound: the daemon holds at most one socket buffer per follower,
// and the follower is told how many bytes it missed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RotatingLog } from '../logs/rotating-log.ts';
import { MAX_TAIL_LINES, readLastLines } from '../logs/tail.ts';
import type { Supervisor } from '../runner/supervisor.ts';
import { HttpError } from './http-error.ts';

/** Writes to a slow reader without queueing more than its socket buffer: the rest is skipped and counted. */
export class SkippingWriter {
  private skipped = 0;
  private blocked = false;
  private readonly res: ServerResponse;

  constructor(res: ServerResponse) {
    this.res = res;
  }

  write(chunk: Buffer | string): void {
    if (this.res.destroyed) return;
    if (this.blocked) {
      this.skipped += Buffer.byteLength(chunk);
      return;
    }
    if (!this.res.write(chunk)) {
      this.blocked = true;
      this.res.once('drain', () => {
        this.blocked = false;
        if (this.skipped > 0) {
          const n = this.skipped;
          this.skipped = 0;
          this.write(`[holdfast] ${n} bytes skipped: this reader fell behind the program's output\n`);
        }
      });
    }
  }
}

/** Splits a stream into whole lines, each prefixed (for the merged view of several instances). */
function prefixer(prefix: string, out: (s: string) => void): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    // A line without an end is held, but not forever: 64 KiB of it goes out as it is.
    if (partial.length > 65536) {
      parts.push(partial);
      partial = '';
    }
    if (parts.length) out(parts.map((l) => `${prefix}${l}\n`).join(''));
  };
}

const withPrefix = (text: string, prefix: string) =>
  prefix === '' || text === '' ? text : text.replace(/^/gm, prefix).slice(0, -prefix.length);

export async function serveLogs(url: URL, req: IncomingMessage, res: ServerResponse, sup: Supervisor): Promise<void> {
  const target = url.searchParams.get('instance') ?? '';
  const stream = url.searchParams.get('stream') ?? 'stdout';
  const linesText = url.searchParams.get('lines') ?? '50';
  const lines = Number(linesText);
  if (stream !== 'stdout' && stream !== 'stderr')
    throw new HttpError(400, 'HOLDFAST_E_BAD_REQUEST', `stream must be stdout or stderr, not '${stream}'`);
  if (!Number.isInteger(lines) || lines < 0 || lines > MAX_TAIL_LINES)
    throw new HttpError(400, 'HOLDFAST_E_BAD_REQUEST', `lines must be an integer from 0 to ${MAX_TAIL_LINES}, not '${linesText}'`);
  const { instances } = sup.resolve([target]);
  const merged = instances.length > 1;
  const sources: { id: string; log: RotatingLog }[] = [];
  for (const r of instances) {
    const log = sup.findInstance(r.spec.id)?.logs[stream];
    if (log) sources.push({ id: r.spec.id, log });
  }
  if (sources.length === 0)
    throw new HttpError(404, 'HOLDFAST_E_LOG', `the ${stream} of ${target} is not kept (logs.${stream}.file is false)`);
  const head: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (!merged) head['x-log-file'] = sources[0]!.log.file;
  // Read before the headers go out: an unreadable log is still an error status.
  const tails: string[] = [];
  for (const s of sources) tails.push(withPrefix(await readLastLines(s.log.file, lines), merged ? `${s.id} | ` : ''));
  res.writeHead(200, head);
  const out = new SkippingWriter(res);
  for (const t of tails) out.write(t);
  if (url.searchParams.get('follow') !== '1' && url.searchParams.get('follow') !== 'true') {
    res.end();
    return;
  }
  const offs = sources.map((s) =>
    s.log.subscribe(merged ? prefixer(`${s.id} | `, (text) => out.write(text)) : (chunk) => out.write(chunk)),
  );
  req.once('close', () => {
    for (const off of offs) off();
  });
}
