// Local health checks with rise/fall hysteresis (as HAProxy and keepalived's track scripts):
// a check turns healthy after `rise` consecutive successes and unhealthy after `fall`
// consecutive failures, so one slow answer does not flap leadership. The node is healthy when
// every check is; it campaigns only then, and a leader that turns unhealthy hands over.
// Every check starts unhealthy: a node proves itself before it may lead.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import type { Clock, Timer } from './clock.ts';

export interface HealthCheckConfig {
  name: string;
  exec?: string[];
  http?: string;
  tcp?: { host: string; port: number };
  interval: number;
  timeout: number;
  rise: number;
  fall: number;
}

export interface CheckStatus {
  name: string;
  healthy: boolean;
  /** Consecutive results of the same kind as the last one. */
  streak: number;
  lastError: string | null;
}

interface CheckState {
  config: HealthCheckConfig;
  healthy: boolean;
  successes: number;
  failures: number;
  lastError: string | null;
  timer: Timer | null;
}

/** Runs one probe; resolves on success, rejects with the reason otherwise. */
export function probe(c: HealthCheckConfig, signal: AbortSignal): Promise<void> {
  if (c.exec) {
    const [cmd, ...args] = c.exec;
    return new Promise((resolve, reject) => {
      const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'], signal, killSignal: 'SIGKILL' });
      let err = '';
      child.stderr.on('data', (d: Buffer) => void (err = (err + d.toString()).slice(-200)));
      child.once('error', (e) => reject(signal.aborted ? new Error(`timed out after ${c.timeout} ms`) : e));
      child.once('close', (code, sig) => {
        if (code === 0) resolve();
        else reject(new Error(`${c.exec!.join(' ')} exited ${sig ?? code}${err.trim() ? `: ${err.trim()}` : ''}`));
      });
    });
  }
  if (c.http) {
    return fetch(c.http, { signal }).then(
      async (res) => {
        await res.body?.cancel();
        if (res.status < 200 || res.status > 299) throw new Error(`GET ${c.http} answered ${res.status}`);
      },
      (e: Error) => {
        throw signal.aborted ? new Error(`GET ${c.http} timed out after ${c.timeout} ms`) : e;
      },
    );
  }
  const { host, port } = c.tcp!;
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, signal });
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
    sock.once('error', (e) => reject(signal.aborted ? new Error(`connect ${host}:${port} timed out after ${c.timeout} ms`) : e));
  });
}

export class HealthChecks extends EventEmitter<{ change: [boolean]; check: [CheckStatus] }> {
  readonly #checks: CheckState[];
  readonly #clock: Clock;
  #running = false;
  #healthy: boolean;

  constructor(checks: HealthCheckConfig[], clock: Clock) {
    super();
    this.#clock = clock;
    this.#checks = checks.map((config) => ({
      config,
      healthy: false,
      successes: 0,
      failures: 0,
      lastError: 'not checked yet',
      timer: null,
    }));
    this.#healthy = this.#checks.length === 0;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const c of this.#checks) this.#run(c);
  }

  stop(): void {
    this.#running = false;
    for (const c of this.#checks) c.timer?.cancel();
  }

  status(): CheckStatus[] {
    return this.#checks.map((c) => this.#status(c));
  }

  #status(c: CheckState): CheckStatus {
    return { name: c.config.name, healthy: c.healthy, streak: Math.max(c.successes, c.failures), lastError: c.lastError };
  }

  #run(c: CheckState): void {
    if (!this.#running) return;
    const abort = new AbortController();
    const timer = this.#clock.setTimeout(() => abort.abort(), c.config.timeout);
    probe(c.config, abort.signal)
      .then(
        () => this.#record(c, null),
        (err: unknown) => this.#record(c, err instanceof Error ? err.message : String(err)),
      )
      .finally(() => {
        timer.cancel();
        if (this.#running) c.timer = this.#clock.setTimeout(() => this.#run(c), c.config.interval);
      });
  }

  #record(c: CheckState, error: string | null): void {
    if (!this.#running) return;
    c.lastError = error;
    if (error === null) {
      c.successes++;
      c.failures = 0;
      if (!c.healthy && c.successes >= c.config.rise) c.healthy = true;
    } else {
      c.failures++;
      c.successes = 0;
      if (c.healthy && c.failures >= c.config.fall) c.healthy = false;
    }
    this.emit('check', this.#status(c));
    const all = this.#checks.every((x) => x.healthy);
    if (all !== this.#healthy) {
      this.#healthy = all;
      this.emit('change', all);
    }
  }
}
