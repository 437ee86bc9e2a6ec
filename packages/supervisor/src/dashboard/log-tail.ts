// The live log tail of one instance for the page: the last lines of its log files, then every new
// line as it is written, as server-sent events. Each line carries its template when the daemon
// mines the program's logs (templateOf); until then the field is null.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readLastLines } from '../logs/tail.ts';
import type { Supervisor } from '../runner/supervisor.ts';
import { SECURITY_HEADERS } from './static.ts';

export interface TailLine {
  text: string;
  stream: 'stdout' | 'stderr';
  template: string | null;
}

/** Where a line's template comes from once the daemon mines logs (null: not mined). */
export let templateOf: (program: string, line: string) => string | null = () => null;
export function setTemplateSource(fn: typeof templateOf): void {
  templateOf = fn;
}

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

function lines(text: string, stream: 'stdout' | 'stderr', program: string): TailLine[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => ({ text: clip(l), stream, template: templateOf(program, l) }));
}

function errorJson(res: ServerResponse, message: string): void {
  res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code: 'HOLDFAST_E_BAD_REQUEST', message } }));
}

export async function logLines(sup: Supervisor, url: URL, res: ServerResponse): Promise<void> {
  const f = find(sup, url);
  if ('error' in f) return errorJson(res, f.error!);
  const n = Math.min(Math.max(Number(url.searchParams.get('lines') ?? 200) || 200, 1), 2000);
  const out: TailLine[] = [];
  const { stdout, stderr } = f.found.logs;
  if (stdout) out.push(...lines(await readLastLines(stdout.file, n), 'stdout', f.program));
  if (stderr && stderr !== stdout) out.push(...lines(await readLastLines(stderr.file, n), 'stderr', f.program));
  const text = JSON.stringify({ instance: f.id, lines: out.slice(-n) });
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

export function openLogStream(sup: Supervisor, url: URL, req: IncomingMessage, res: ServerResponse): void {
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
        const batch = parts.filter((l) => l !== '').map((l) => ({ text: clip(l), stream, template: templateOf(f.program, l) }));
        if (batch.length === 0) return;
        if (res.writableLength > MAX_BUFFERED) return void res.destroy();
        res.write(`event: lines\ndata: ${JSON.stringify(batch)}\n\n`);
      }),
    );
  };
  if (stdout) follow(stdout, 'stdout');
  if (stderr && stderr !== stdout) follow(stderr, 'stderr');
  req.once('close', () => offs.forEach((off) => off()));
}
