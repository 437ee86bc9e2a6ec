// The failover agent's state for the page: GET /status on its status endpoint (a Unix socket, or
// http://host:port with the status token), and the last drills from the JSON lines file that
// `holdfast drill failover --record <file>` appends to. The agent's types are not imported (the
// supervisor must not depend on failover): the page reads the fields it shows, by name.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { DashboardConfig } from './config.ts';

const http = process.getBuiltinModule('node:http');

export interface FailoverView {
  endpoint: string;
  ok: boolean;
  error: string | null;
  /** The agent's status as it answered (node, cluster, leadership, peers, health, resources). */
  status: Record<string, unknown> | null;
  /** When the status was read (ms since the epoch): lease remaining counts down from here. */
  at: number;
  drills: Record<string, unknown>[];
  drillsError: string | null;
}

function getJson(endpoint: string, token: string | undefined, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    const opts = endpoint.startsWith('http') ? { ...urlParts(endpoint), path: '/status' } : { socketPath: endpoint, path: '/status' };
    const req = http.get({ ...opts, headers, timeout: timeoutMs }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          const body = JSON.parse(text) as Record<string, unknown> & { error?: { message?: string } };
          if (res.statusCode !== 200) reject(new Error(body.error?.message ?? `HTTP ${res.statusCode}`));
          else resolve(body);
        } catch {
          reject(new Error(`HTTP ${res.statusCode}: not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? `${err.code}: is the failover agent running?` : (err.code ?? err.message),
        ),
      ),
    );
  });
}

function urlParts(u: string): { host: string; port: string } {
  const url = new URL(u);
  return { host: url.hostname, port: url.port };
}

/** The last `n` JSON lines of a file (reads at most its last 64 KiB). */
export function lastJsonLines(file: string, n: number): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 65_536);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim());
    if (len < size) lines.shift();
    const out: Record<string, unknown>[] = [];
    for (const l of lines.slice(-n)) {
      try {
        out.push(JSON.parse(l) as Record<string, unknown>);
      } catch {}
    }
    return out.reverse();
  } finally {
    closeSync(fd);
  }
}

export class FailoverWatch {
  private readonly cfg: NonNullable<DashboardConfig['failover']>;
  private view: FailoverView;

  constructor(cfg: NonNullable<DashboardConfig['failover']>) {
    this.cfg = cfg;
    this.view = { endpoint: cfg.status, ok: false, error: 'not read yet', status: null, at: 0, drills: [], drillsError: null };
  }

  private token(): string | undefined {
    if (this.cfg.token) return this.cfg.token;
    if (!this.cfg.tokenFile) return undefined;
    try {
      return readFileSync(this.cfg.tokenFile, 'utf8').trim();
    } catch {
      return undefined;
    }
  }

  async poll(): Promise<FailoverView> {
    const at = Date.now();
    let drills = this.view.drills;
    let drillsError: string | null = null;
    if (this.cfg.drills) {
      try {
        drills = lastJsonLines(this.cfg.drills, 5);
      } catch (err) {
        drillsError = `${this.cfg.drills}: ${(err as Error).message}`;
      }
    }
    try {
      const status = await getJson(this.cfg.status, this.token(), 800);
      this.view = { endpoint: this.cfg.status, ok: true, error: null, status, at, drills, drillsError };
    } catch (err) {
      this.view = { endpoint: this.cfg.status, ok: false, error: (err as Error).message, status: null, at, drills, drillsError };
    }
    return this.view;
  }

  get current(): FailoverView {
    return this.view;
  }
}
