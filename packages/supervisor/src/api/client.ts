// The typed client of the control API: the CLI uses it, and so does the failover agent's
// `program` resource (through supervisorControl below). Unix socket by default, or TCP with a
// bearer token. Errors come back as SupervisorError with the daemon's code.
import { request, type IncomingMessage, type RequestOptions } from 'node:http';
import { SupervisorError, supervisorErrors, type SupervisorErrorCode } from '../errors.ts';
import type {
  ActionOptions,
  ActionResult,
  ApiErrorBody,
  InstanceStatus,
  ReloadResult,
  StatusReport,
  SupervisorEvent,
  UpdateResult,
} from './types.ts';
import type { PatternsReport } from '../insight/mining-view.ts';

export interface ClientOptions {
  /** Path of the daemon's Unix socket. */
  socket?: string;
  /** Base URL of the TCP control API, e.g. http://127.0.0.1:9050 (needs `token`). */
  url?: string;
  token?: string;
  /** Per-request timeout for non-streaming calls (default 120 s: a start waits for readiness). */
  timeoutMs?: number;
}

export interface LogOptions {
  stream?: 'stdout' | 'stderr';
  lines?: number;
}

export class SupervisorClient {
  private readonly o: ClientOptions;

  constructor(o: ClientOptions) {
    if (!o.socket && !o.url) throw new SupervisorError('HOLDFAST_E_DAEMON_UNREACHABLE', 'the client needs a socket path or a url');
    this.o = o;
  }

  /** Where this client connects, for messages. */
  get address(): string {
    return this.o.socket ?? this.o.url!;
  }

  private options(method: string, path: string, signal?: AbortSignal): RequestOptions {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.o.token) headers.authorization = `Bearer ${this.o.token}`;
    if (this.o.socket) return { socketPath: this.o.socket, path, method, headers, ...(signal ? { signal } : {}) };
    const u = new URL(path, this.o.url);
    return { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, ...(signal ? { signal } : {}) };
  }

  private open(method: string, path: string, body: unknown, signal?: AbortSignal, timeoutMs?: number): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const opts = this.options(method, path, signal);
      const text = body === undefined ? undefined : JSON.stringify(body);
      if (text !== undefined)
        Object.assign(opts.headers!, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      const req = request(opts, resolve);
      if (timeoutMs)
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from the daemon at ${this.address} within ${timeoutMs} ms`)));
      req.once('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') return reject(err);
        const hint =
          err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? ` (is it running? start it with 'holdfast supervise -c <config>')` : '';
        reject(
          new SupervisorError(
            'HOLDFAST_E_DAEMON_UNREACHABLE',
            `${this.address}: ${err.code ?? err.message}${hint}`,
            { address: this.address },
            { cause: err },
          ),
        );
      });
      req.end(text);
    });
  }

  /** One JSON call; an error answer throws SupervisorError with the daemon's code (extensions like IncidentsClient use it). */
  protected async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.open(method, path, body, signal, this.o.timeoutMs ?? 120_000);
    const chunks: Buffer[] = [];
    for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return (res.headers['content-type']?.includes('json') ? JSON.parse(text) : text) as T;
    let err: ApiErrorBody['error'] = { code: 'HOLDFAST_E_API', message: `HTTP ${status}: ${text.slice(0, 300)}` };
    let result: ReloadResult | undefined;
    try {
      const body = JSON.parse(text) as ApiErrorBody;
      err = body.error ?? err;
      result = body.result;
    } catch {}
    const code = (err.code in supervisorErrors ? err.code : 'HOLDFAST_E_API') as SupervisorErrorCode;
    const e = new SupervisorError(code, err.message, {
      status,
      ...(err.issues ? { issues: err.issues } : {}),
      ...(result ? { result } : {}),
    });
    // Keep the daemon's message as it is: it already starts with the table text.
    e.message = err.message;
    throw e;
  }

  /** With `guard`: also the cluster and adaptive rules of the programs that serve guard metrics (`report.guard`). */
  status(signal?: AbortSignal, options: { guard?: boolean } = {}): Promise<StatusReport> {
    return this.call('GET', options.guard ? '/v1/status?guard=1' : '/v1/status', undefined, signal);
  }

  /** `env`: only names the programs list in envOverridable; for this start only unless `persist`. */
  start(
    targets: string | string[],
    opts: ActionOptions & { env?: Record<string, string>; persist?: boolean; signal?: AbortSignal } = {},
  ): Promise<ActionResult> {
    const { signal, ...rest } = opts;
    return this.call('POST', '/v1/start', { targets: [targets].flat(), ...rest }, signal);
  }

  stop(targets: string | string[], opts: ActionOptions & { signal?: AbortSignal } = {}): Promise<ActionResult> {
    const { signal, ...rest } = opts;
    return this.call('POST', '/v1/stop', { targets: [targets].flat(), ...rest }, signal);
  }

  restart(targets: string | string[], opts: ActionOptions & { signal?: AbortSignal } = {}): Promise<ActionResult> {
    const { signal, ...rest } = opts;
    return this.call('POST', '/v1/restart', { targets: [targets].flat(), ...rest }, signal);
  }

  signal(targets: string | string[], signal: string): Promise<{ signalled: string[] }> {
    return this.call('POST', '/v1/signal', { targets: [targets].flat(), signal });
  }

  /**
   * Rolling reload of one program: start-before-stop, each new instance gated on its readiness.
   * Resolves when every instance was replaced; a new instance that does not become ready stops
   * the rollout and throws HOLDFAST_E_RELOAD_FAILED with `details.result` (a ReloadResult).
   * Follow the progress with `events()` (type 'reload').
   */
  reload(program: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ReloadResult> {
    return this.call('POST', '/v1/reload', { program, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) }, opts.signal);
  }

  /** Asks the daemon to re-read its config file and apply what changed. A bad file throws ConfigError and changes nothing. */
  /** A one-time sign-in link to the dashboard (`holdfast dashboard`); HOLDFAST_E_DASHBOARD_OFF without a `dashboard:` section. */
  dashboardLogin(): Promise<{ url: string; expiresAt: string }> {
    return this.call('POST', '/v1/dashboard/login', {});
  }

  update(): Promise<UpdateResult> {
    return this.call('POST', '/v1/update', {});
  }

  async shutdown(): Promise<void> {
    await this.call('POST', '/v1/shutdown', {});
  }

  metrics(): Promise<string> {
    return this.call('GET', '/metrics');
  }

  logs(instance: string, opts: LogOptions = {}): Promise<string> {
    return this.call(
      'GET',
      `/v1/logs?${new URLSearchParams({ instance, stream: opts.stream ?? 'stdout', lines: String(opts.lines ?? 50) })}`,
    );
  }

  /** A program's log templates (counts, first/last seen, level, example, trend); `since`: seen within it, like "1h". */
  patterns(program: string, opts: { since?: string } = {}): Promise<PatternsReport> {
    return this.call('GET', `/v1/patterns?${new URLSearchParams({ program, ...(opts.since ? { since: opts.since } : {}) })}`);
  }

  /** Streams the last lines, then everything new, to `onData` until `signal` aborts or the daemon goes away. */
  async followLogs(instance: string, opts: LogOptions & { signal?: AbortSignal }, onData: (chunk: string) => void): Promise<void> {
    const q = new URLSearchParams({ instance, stream: opts.stream ?? 'stdout', lines: String(opts.lines ?? 10), follow: '1' });
    const res = await this.open('GET', `/v1/logs?${q}`, undefined, opts.signal);
    if ((res.statusCode ?? 0) >= 400) {
      const chunks: Buffer[] = [];
      for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
      const err = (JSON.parse(Buffer.concat(chunks).toString()) as ApiErrorBody).error;
      throw new SupervisorError((err.code in supervisorErrors ? err.code : 'HOLDFAST_E_API') as SupervisorErrorCode, err.message);
    }
    try {
      for await (const c of res as AsyncIterable<Buffer>) onData(c.toString('utf8'));
    } catch (err) {
      if (!opts.signal?.aborted) throw err;
    }
  }

  /** Calls `onEvent` for each state change (SSE) until `signal` aborts or the daemon goes away. */
  async events(onEvent: (e: SupervisorEvent) => void, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const res = await this.open('GET', '/v1/events', undefined, opts.signal);
    let buf = '';
    try {
      for await (const c of res as AsyncIterable<Buffer>) {
        buf += c.toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data) onEvent(JSON.parse(data) as SupervisorEvent);
        }
      }
    } catch (err) {
      if (!opts.signal?.aborted) throw err;
    }
  }
}

/** The failover agent's view of a program (its SupervisorControl interface, matched by shape). */
export interface ProgramControl {
  start(program: string, opts: { env: Readonly<Record<string, string>>; signal: AbortSignal }): Promise<void>;
  stop(program: string, opts: { signal: AbortSignal }): Promise<void>;
  status(program: string, opts: { signal: AbortSignal }): Promise<{ state: string; ready?: boolean; pid?: number }>;
}

const stateWord: Record<string, string> = {
  READY: 'running',
  STARTING: 'starting',
  BACKOFF: 'backoff',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
  EXITED: 'exited',
  FATAL: 'fatal',
};

function summarize(instances: InstanceStatus[]): { state: string; ready: boolean; pid?: number } {
  const worst =
    ['FATAL', 'BACKOFF', 'EXITED', 'STOPPED', 'STOPPING', 'STARTING', 'READY'].find((s) => instances.some((i) => i.state === s)) ??
    'STOPPED';
  const pid = instances.find((i) => i.pid !== null)?.pid ?? undefined;
  return { state: stateWord[worst]!, ready: instances.length > 0 && instances.every((i) => i.state === 'READY'), ...(pid ? { pid } : {}) };
}

/**
 * Adapts a client to the failover agent's `program` resource: start waits for READY (and
 * fails on FATAL or EXITED), stop waits for the processes to be gone, status is 'running' only
 * when every instance is READY.
 */
export function supervisorControl(client: SupervisorClient): ProgramControl {
  return {
    async start(program, { env, signal }) {
      const r = await client.start(program, { env: { ...env }, signal });
      const bad = r.instances.filter((i) => i.state !== 'READY');
      if (bad.length)
        throw new SupervisorError(
          'HOLDFAST_E_SPAWN',
          `${bad.map((i) => `${i.id} is ${i.state}${i.fatalReason ? ` (${i.fatalReason})` : ''}`).join('; ')}`,
        );
    },
    async stop(program, { signal }) {
      await client.stop(program, { signal });
    },
    async status(program, { signal }) {
      const report = await client.status(signal);
      const mine = report.programs.filter((i) => i.program === program || i.id === program);
      if (mine.length === 0)
        throw new SupervisorError('HOLDFAST_E_UNKNOWN_PROGRAM', `'${program}' is not a program of the daemon at ${client.address}`);
      return summarize(mine);
    },
  };
}
