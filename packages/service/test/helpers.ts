// Shared by the service tests: start the fixture service as a real child process, and a small
// HTTP load generator that counts every request and every failure.
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { startChild, type Child } from '@holdfast/testkit';

export const newLoadResult = (): LoadResult => ({ sent: 0, ok: 0, failed: [], resets: 0 });

const fixture = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));

export async function startFixture(
  t: TestContext,
  env: Record<string, string> = {},
): Promise<{ child: Child; url: string; admin?: string }> {
  const child = startChild(t, process.execPath, [fixture], { env: { ...process.env, ...env } });
  const line = await child.waitForLine('fixtureReady', 15_000);
  const parsed = JSON.parse(line) as { fixtureReady: string; admin?: string };
  return { child, url: parsed.fixtureReady, ...(parsed.admin ? { admin: parsed.admin } : {}) };
}

export interface Outcome {
  status?: number;
  body?: string;
  error?: string;
  headers?: Record<string, string | string[] | undefined>;
}

/** One GET (or other method) that never throws: the outcome says what happened. */
export function get(
  url: string,
  opts: { agent?: Agent; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(url, { agent: opts.agent ?? false, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(opts.body);
  });
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: { status?: number; error?: string }[];
  resets: number;
}

/**
 * Sequential request loops, like real clients: `keepAlive` clients reuse one connection each
 * (and move to a new one when the server says `Connection: close`), the others open a
 * connection per request. Loops stop when `stop()` returns true (a load balancer that has seen
 * the instance go unready).
 */
export async function runLoad(
  url: string,
  opts: { keepAliveClients: number; closeClients: number; paths: string[]; stop: () => boolean; live?: LoadResult },
): Promise<LoadResult> {
  // `live` lets the caller watch the counts while the load runs.
  const result: LoadResult = opts.live ?? { sent: 0, ok: 0, failed: [], resets: 0 };
  const loop = async (agent: Agent | undefined, i: number) => {
    let n = i;
    while (!opts.stop()) {
      const path = opts.paths[n++ % opts.paths.length]!;
      result.sent++;
      const o = await get(url + path, agent ? { agent } : {});
      if (o.status && o.status >= 200 && o.status < 300) result.ok++;
      else {
        result.failed.push({ status: o.status, error: o.error });
        if (o.error === 'ECONNRESET' || o.error === 'EPIPE') result.resets++;
      }
    }
  };
  const agents: Agent[] = [];
  const loops: Promise<void>[] = [];
  for (let i = 0; i < opts.keepAliveClients; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    loops.push(loop(agent, i));
  }
  for (let i = 0; i < opts.closeClients; i++) loops.push(loop(undefined, i));
  await Promise.all(loops);
  for (const a of agents) a.destroy();
  return result;
}

/** Reads JSON log lines from text (stdout or a log file). */
export function logLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}
