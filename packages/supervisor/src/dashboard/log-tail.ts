// The live log tail of one instance for the page: the last lines of its log files, then every new
// line as it is written, as server-sent events. Each line carries the template the daemon's log
// miner put it in, looked up, not mined a second time (TemplateLookup); null when the program is
// not mined or no template fits the line yet. A new line's lookup waits for the miner's turn
// (both are setImmediate work, the miner's queued first), so a line the miner takes in that turn
// already has its template.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readLastLines } from '../logs/tail.ts';
import type { Supervisor } from '../runner/supervisor.ts';
import { SECURITY_HEADERS } from './static.ts';

export interface TailLine {
  text: string;
  stream: 'stdout' | 'stderr';
  /** The template's text, and its id (as in the patterns section and GET /v1/patterns). */
  template: string | null;
  templateId: string | null;
}

/** The template of a line of `program`'s output (null: the program is not mined, or no template fits yet). */
export type TemplateLookup = (program: string, line: string) => { id: string; text: string } | null;

const MAX_LINE = 2000;
const MAX_BUFFERED = 512 * 1024;

function find(sup: Supervisor, url: URL) {
  const id = url.searchParams.get('instance') ?? '';
  const found = sup.findInstance(id);
  if (!found) {
    const known = sup.runners().map((r) => r.spec.id);
    return { error: `no instance '${id}' (instances: ${[...new Set(known)].join(', ')})` } as const;
  }
  return { found, program: found.runner.spec.program, id } as const;
}

const clip = (l: string) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l);

function tailLine(l: string, stream: 'stdout' | 'stderr', program: string, templateOf: TemplateLookup): TailLine {
  const t = templateOf(program, l);
  return { text: clip(l), stream, template: t?.text ?? null, templateId: t?.id ?? null };
}

function lines(text: string, stream: 'stdout' | 'stderr', program: string, templateOf: TemplateLookup): TailLine[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => tailLine(l, stream, program, templateOf));
}

function errorJson(res: ServerResponse, message: string): void {
  res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code: 'HOLDFAST_E_BAD_REQUEST', message } }));
}

export async function logLines(sup: Supervisor, templateOf: TemplateLookup, url: URL, res: ServerResponse): Promise<void> {
  const f = find(sup, url);
  if ('error' in f) return errorJson(res, f.error!);
  const n = Math.min(Math.max(Number(url.searchParams.get('lines') ?? 200) || 200, 1), 2000);
  const out: TailLine[] = [];
  const { stdout, stderr } = f.found.logs;
  if (stdout) out.push(...lines(await readLastLines(stdout.file, n), 'stdout', f.program, templateOf));
  if (stderr && stderr !== stdout) out.push(...lines(await readLastLines(stderr.file, n), 'stderr', f.program, templateOf));
  const text = JSON.stringify({ instance: f.id, lines: out.slice(-n) });
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export function openLogStream(sup: Supervisor, templateOf: TemplateLookup, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const f = find(sup, url);
  if ('error' in f) return errorJson(res, f.error!);
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
  res.write('retry: 2000\n\n');
  const offs: (() => void)[] = [];
  const { stdout, stderr } = f.found.logs;
  const follow = (log: NonNullable<typeof stdout>, stream: 'stdout' | 'stderr') => {
    let partial = '';
    offs.push(
      log.subscribe((chunk) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop() ?? '';
        if (partial.length > MAX_LINE) partial = partial.slice(0, MAX_LINE);
        const fresh = parts.filter((l) => l !== '');
        if (fresh.length === 0) return;
        // Immediates run in order, so batches keep their order; the miner's turn for this chunk is queued before this one.
        setImmediate(() => {
          if (res.destroyed) return;
          if (res.writableLength > MAX_BUFFERED) return void res.destroy();
          const batch = fresh.map((l) => tailLine(l, stream, f.program, templateOf));
          res.write(`event: lines\ndata: ${JSON.stringify(batch)}\n\n`);
        });
      }),
    );
  };
  if (stdout) follow(stdout, 'stdout');
  if (stderr && stderr !== stdout) follow(stderr, 'stderr');
  req.once('close', () => offs.forEach((off) => off()));
}
