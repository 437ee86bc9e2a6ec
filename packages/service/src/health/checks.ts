// Health checks run in the background, each on its own interval and under its own timeout.
// Probe requests only read the last verdicts: a probe never waits on a dependency, and a flood
// of probes never floods a dependency.
import { EventEmitter } from 'node:events';
import { ServiceError } from '../errors.ts';
import { nextVerdict, type CheckStatus, type CheckVerdict } from './hysteresis.ts';

export type CheckKind = 'critical' | 'degraded';

export interface CheckOptions {
  /** critical: failing makes the service unready. degraded: failing marks it DEGRADED, still ready. */
  kind?: CheckKind;
  intervalMs?: number;
  timeoutMs?: number;
  /** Consecutive passes needed to turn a failing check passing. */
  rise?: number;
  /** Consecutive failures needed to turn a passing check failing. */
  fall?: number;
}

/** A check resolves (any value) when healthy; throws, rejects or times out when not. */
export type CheckFn = (ctx: { signal: AbortSignal }) => unknown;

export interface CheckReport {
  kind: CheckKind;
  status: CheckStatus;
  latencyMs: number | null;
  lastError: string | null;
  lastCheckedAt: string | null;
}

interface Check {
  name: string;
  fn: CheckFn;
  kind: CheckKind;
  intervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
  verdict: CheckVerdict;
  latencyMs: number | null;
  lastError: string | null;
  lastCheckedAt: number | null;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
}

export interface HealthEvents {
  change: [name: string, report: CheckReport];
}

function positiveInt(name: string, field: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0)
    throw new ServiceError(
      'HOLDFAST_E_OPTIONS',
      `health.register('${name}'): ${field} must be a positive number of milliseconds, got ${v}`,
    );
  return v;
}

export class HealthRegistry extends EventEmitter<HealthEvents> {
  readonly #checks = new Map<string, Check>();
  #started = false;
  /** What the first runs wait for (e.g. the built-in Redis client's first connect), each bounded. */
  #holds: Promise<unknown>[] = [];
  /** Checks run: started, and every hold settled. */
  #running = false;
  /** Who registered each name, for the error when a name is taken twice. */
  readonly #owners = new Map<string, string>();

  /** Registers a check; it starts running when the service starts (or at once if it has). */
  register(name: string, fn: CheckFn, options: CheckOptions = {}, owner?: string): void {
    if (typeof name !== 'string' || name.length === 0)
      throw new ServiceError('HOLDFAST_E_OPTIONS', 'health.register: name must be a non-empty string');
    if (typeof fn !== 'function') throw new ServiceError('HOLDFAST_E_OPTIONS', `health.register('${name}'): fn must be a function`);
    if (this.#checks.has(name)) {
      const by = this.#owners.get(name);
      throw new ServiceError(
        'HOLDFAST_E_OPTIONS',
        `health.register: a check named '${name}' is already registered${by ? ` (${by})` : ''}; pick another name`,
      );
    }
    if (owner) this.#owners.set(name, owner);
    const kind = options.kind ?? 'critical';
    if (kind !== 'critical' && kind !== 'degraded')
      throw new ServiceError(
        'HOLDFAST_E_OPTIONS',
        `health.register('${name}'): kind must be 'critical' or 'degraded', got '${String(kind)}'`,
      );
    const check: Check = {
      name,
      fn,
      kind,
      intervalMs: positiveInt(name, 'intervalMs', options.intervalMs ?? 5000),
      timeoutMs: positiveInt(name, 'timeoutMs', options.timeoutMs ?? 2000),
      rise: positiveInt(name, 'rise', options.rise ?? 2),
      fall: positiveInt(name, 'fall', options.fall ?? 3),
      verdict: { status: 'pending', streak: 0 },
      latencyMs: null,
      lastError: null,
      lastCheckedAt: null,
      timer: undefined,
      running: false,
    };
    this.#checks.set(name, check);
    if (this.#running) this.#schedule(check, 0);
  }

  /**
   * Delays the first run of every check until `ready` settles, or `upToMs` at most: a check that
   * runs before a client it uses has connected fails for nothing, logs a warning, and holds
   * readiness back by its whole rise count.
   */
  holdUntil(ready: Promise<unknown>, upToMs: number): void {
    let timer: NodeJS.Timeout | undefined;
    const bounded = Promise.race([
      ready.catch(() => {}),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, upToMs).unref())),
    ]).finally(() => clearTimeout(timer));
    this.#holds.push(bounded);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    const run = () => {
      if (!this.#started || this.#running) return;
      this.#running = true;
      for (const c of this.#checks.values()) this.#schedule(c, 0);
    };
    if (this.#holds.length === 0) run();
    else void Promise.all(this.#holds).then(run);
  }

  stop(): void {
    this.#started = false;
    this.#running = false;
    for (const c of this.#checks.values()) clearTimeout(c.timer);
  }

  /** Runs every check once now and waits for the results (used before the first READY). */
  async runAll(): Promise<void> {
    await Promise.all([...this.#checks.values()].map((c) => this.#run(c)));
  }

  #schedule(check: Check, delayMs: number): void {
    clearTimeout(check.timer);
    check.timer = setTimeout(() => {
      void this.#run(check).finally(() => {
        if (this.#running) this.#schedule(check, check.intervalMs);
      });
    }, delayMs);
    check.timer.unref();
  }

  async #run(check: Check): Promise<void> {
    if (check.running) return;
    check.running = true;
    const ac = new AbortController();
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let ok = false;
    let error: string | null = null;
    try {
      await Promise.race([
        Promise.resolve().then(() => check.fn({ signal: ac.signal })),
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            ac.abort();
            reject(new ServiceError('HOLDFAST_E_CHECK_TIMEOUT', `timed out after ${check.timeoutMs} ms`));
          }, check.timeoutMs);
        }),
      ]);
      ok = true;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timer);
      check.running = false;
    }
    const before = check.verdict.status;
    check.verdict = nextVerdict(check.verdict, ok, check.rise, check.fall);
    check.latencyMs = Math.round((performance.now() - t0) * 100) / 100;
    check.lastError = error;
    check.lastCheckedAt = Date.now();
    if (check.verdict.status !== before) this.emit('change', check.name, this.#report(check));
  }

  #report(c: Check): CheckReport {
    return {
      kind: c.kind,
      status: c.verdict.status,
      latencyMs: c.latencyMs,
      lastError: c.lastError,
      lastCheckedAt: c.lastCheckedAt === null ? null : new Date(c.lastCheckedAt).toISOString(),
    };
  }

  reports(): Record<string, CheckReport> {
    const out: Record<string, CheckReport> = {};
    for (const c of this.#checks.values()) out[c.name] = this.#report(c);
    return out;
  }

  /** Every critical check has passed (pending counts as not passed). */
  criticalOk(): boolean {
    for (const c of this.#checks.values()) if (c.kind === 'critical' && c.verdict.status !== 'pass') return false;
    return true;
  }

  /** Some degraded-kind check is failing. */
  anyDegraded(): boolean {
    for (const c of this.#checks.values()) if (c.kind === 'degraded' && c.verdict.status === 'fail') return true;
    return false;
  }
}
