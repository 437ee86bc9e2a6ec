// Runs the leader's resources: start in config order, monitor each on its interval, apply its
// on-fail policy, and stop them on demotion — the VIP (stopFirst) before anything else, then
// the rest in reverse order. Every call is bounded by the resource's timeout and aborted with
// the demotion; every start and monitor first asks assertLeader().
//
// An aborted action is not over when its caller stops waiting for it: a start script may still
// run (and then add what the stop just removed) until its processes are gone. So a demotion
// waits for every aborted action to end (runCommand SIGKILLs and awaits a script's whole
// process group), stops again each resource that had one in flight, and only then reports the
// demotion clean, which is what lets the agent disarm the fence.
//
// On-fail policy (per resource):
//   restart  a failed monitor restarts the resource (stop, start); after maxFailures failures in
//            a row (failed monitors and failed restarts) the node gives up leadership;
//   demote   after maxFailures failed monitors in a row the node gives up leadership.
import type { Logger } from 'pino';
import type { Clock, Timer } from './clock.ts';
import { FailoverError, NotLeaderError } from './errors.ts';
import { actionEnv, type LeaderContext, type Resource, type StopContext } from './resources/resource.ts';
import { actionScope } from './resources/command.ts';

export type ResourceState = 'stopped' | 'starting' | 'running' | 'restarting' | 'stopping' | 'failed';

export type RunnerEvent =
  | { type: 'resource-started'; resource: string; token: number; tookMs: number }
  | { type: 'resource-stopped'; resource: string; token: number; tookMs: number }
  | {
      type: 'resource-failed';
      resource: string;
      action: 'start' | 'stop' | 'monitor' | 'cleanup';
      error: string;
      code?: string;
      failures: number;
    }
  | { type: 'resource-restarted'; resource: string; token: number }
  | { type: 'action-refused'; resource: string; action: 'start' | 'monitor'; error: string }
  | { type: 'resource-cleaned'; resource: string };

export interface RunnerOptions {
  node: string;
  cluster: string;
  log: Logger;
  clock: Clock;
  assertLeader: () => void;
  /**
   * Resolves when assertLeader() passes again (a pause re-confirmed); rejects when leadership is gone.
   * Without it a refused start fails at once.
   */
  whenLeader?: (signal: AbortSignal) => Promise<void>;
  onEvent: (e: RunnerEvent) => void;
  /** A resource used up its failures: leadership must be given up. */
  onGiveUp: (resource: string, detail: string) => void;
  /** Put in the environment of every process an action runs (HOLDFAST_FAILOVER_ACTION), so the fence can end those left running. */
  actionMarker?: string;
}

interface Entry {
  resource: Resource;
  state: ResourceState;
  failures: number;
  restarts: number;
  lastError: string | null;
  timer: Timer | null;
  /** Starts of this resource still running (each settles when its processes are gone), even after their caller gave up on them. */
  starts: Set<Promise<void>>;
}

export interface ResourceStatus {
  name: string;
  kind: string;
  state: ResourceState;
  failures: number;
  restarts: number;
  lastError: string | null;
  [extra: string]: unknown;
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const errCode = (err: unknown) =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;

export class ResourceRunner {
  readonly #o: RunnerOptions;
  readonly #entries: Entry[];
  #token = 0;
  /** Bumped by every startAll/stopAll: a monitor callback of an older generation does nothing. */
  #generation = 0;
  #inflight = new Set<AbortController>();

  constructor(resources: Resource[], options: RunnerOptions) {
    this.#o = options;
    this.#entries = resources.map((resource) => ({
      resource,
      state: 'stopped',
      failures: 0,
      restarts: 0,
      lastError: null,
      timer: null,
      starts: new Set(),
    }));
  }

  status(): ResourceStatus[] {
    return this.#entries.map((e) => ({
      ...(e.resource.describe?.() ?? {}),
      name: e.resource.name,
      kind: e.resource.kind,
      state: e.state,
      failures: e.failures,
      restarts: e.restarts,
      lastError: e.lastError,
    }));
  }

  /**
   * At agent start, without leadership: remove leftovers (a VIP held without a lease). Throws if a
   * stopFirst resource cannot be cleaned.
   */
  async cleanup(): Promise<void> {
    for (const e of this.#stopOrder()) {
      const r = e.resource;
      try {
        await this.#bounded(e, 0, undefined, (ctx) => (r.cleanup ? r.cleanup(ctx) : r.stop(ctx)));
        this.#o.onEvent({ type: 'resource-cleaned', resource: r.name });
      } catch (err) {
        this.#o.onEvent({
          type: 'resource-failed',
          resource: r.name,
          action: 'cleanup',
          error: errText(err),
          ...(errCode(err) ? { code: errCode(err) } : {}),
          failures: 0,
        });
        if (r.stopFirst) {
          throw new FailoverError(
            'HOLDFAST_E_RESOURCE_FAILED',
            `cannot clean up resource ` +
              `'${r.name}' at start ` +
              `(${errText(err)}); it may still hold traffic without a ` +
              `lease. Fix it by hand before starting the agent`,
            { resource: r.name },
            { cause: err },
          );
        }
      }
    }
  }

  /** A campaign is starting: each resource may prepare what it can without leadership (see Resource.prepare). */
  prepareAll(): void {
    for (const { resource: r } of this.#entries) {
      if (!r.prepare) continue;
      try {
        const marker = this.#o.actionMarker;
        if (marker) actionScope.run(marker, () => r.prepare!());
        else r.prepare();
      } catch (err) {
        this.#o.log.warn({ resource: r.name, err: errText(err) }, 'prepare failed; start will do it');
      }
    }
  }

  /** Starts every resource in order for term `token`; throws (and the term is given up) if one fails. */
  async startAll(token: number, signal: AbortSignal): Promise<void> {
    this.#token = token;
    const gen = ++this.#generation;
    for (const e of this.#entries) {
      e.failures = 0;
      await this.#start(e, signal);
      if (gen !== this.#generation) throw new NotLeaderError('demotion began while resources were starting');
    }
    for (const e of this.#entries) this.#scheduleMonitor(e, gen);
  }

  /**
   * Stops everything, VIP first; never throws. Then waits until every action aborted by the
   * demotion has ended (its processes gone) and stops again each resource that had one in flight.
   * Returns false when a stop failed, an aborted action outlived the wait, or it all ended after
   * `signal` (the deadline) fired: the fence then stays armed.
   */
  async stopAll(signal: AbortSignal): Promise<boolean> {
    this.#generation++;
    for (const e of this.#entries) {
      e.timer?.cancel();
      e.timer = null;
    }
    for (const c of this.#inflight) c.abort(new NotLeaderError('demoting'));
    const busy = this.#entries.filter((e) => e.starts.size > 0);
    let ok = await this.#stopPass(this.#stopOrder());
    if (busy.length > 0) {
      ok = (await this.#actionsEnded(busy)) && ok;
      // What they did before they ended may have undone the first stop: stop them again.
      ok =
        (await this.#stopPass(
          this.#stopOrder().filter((e) => busy.includes(e)),
          true,
        )) && ok;
    }
    return ok && !signal.aborted;
  }

  async #stopPass(entries: Entry[], again = false): Promise<boolean> {
    let ok = true;
    for (const e of entries) {
      if (e.state === 'stopped' && !again) continue;
      const started = this.#o.clock.now();
      e.state = 'stopping';
      try {
        // Bounded by the resource's own timeout only: a stop is never abandoned at the deadline
        // (removing a VIP late beats leaving it); the fences, still armed, act as well.
        await this.#bounded(e, this.#token, undefined, (ctx) => e.resource.stop(ctx));
        e.state = 'stopped';
        this.#o.onEvent({
          type: 'resource-stopped',
          resource: e.resource.name,
          token: this.#token,
          tookMs: Math.round(this.#o.clock.now() - started),
        });
      } catch (err) {
        ok = false;
        e.state = 'failed';
        e.lastError = errText(err);
        this.#o.onEvent({
          type: 'resource-failed',
          resource: e.resource.name,
          action: 'stop',
          error: e.lastError,
          ...(errCode(err) ? { code: errCode(err) } : {}),
          failures: e.failures,
        });
      }
    }
    return ok;
  }

  /** Waits until the starts in flight of `entries` have ended, up to each resource's timeout; false for one still running then. */
  async #actionsEnded(entries: Entry[]): Promise<boolean> {
    const results = await Promise.all(
      entries.map(async (e) => {
        const waiting = [...e.starts];
        const ended = await new Promise<boolean>((resolve) => {
          const timer = this.#o.clock.setTimeout(() => resolve(false), e.resource.timeoutMs);
          void Promise.all(waiting).then(() => {
            timer.cancel();
            resolve(true);
          });
        });
        if (!ended) {
          const error = `an aborted start was still running ${e.resource.timeoutMs} ms after the demotion began; the fences stay armed`;
          e.lastError = error;
          this.#o.onEvent({ type: 'resource-failed', resource: e.resource.name, action: 'stop', error, failures: e.failures });
        }
        return ended;
      }),
    );
    return results.every(Boolean);
  }

  /** VIPs (stopFirst) first, then everything else, each group in reverse config order. */
  #stopOrder(): Entry[] {
    const rev = [...this.#entries].reverse();
    return [...rev.filter((e) => e.resource.stopFirst), ...rev.filter((e) => !e.resource.stopFirst)];
  }

  async #start(e: Entry, signal: AbortSignal): Promise<void> {
    const r = e.resource;
    const started = this.#o.clock.now();
    e.state = 'starting';
    for (let refusals = 0; ; refusals++) {
      try {
        this.#o.assertLeader();
        await this.#bounded(e, this.#token, signal, (ctx) => r.start(this.#leaderCtx(ctx)), e.starts);
        break;
      } catch (err) {
        e.lastError = errText(err);
        if (err instanceof NotLeaderError) {
          this.#o.onEvent({ type: 'action-refused', resource: r.name, action: 'start', error: e.lastError });
          // Refused before its side effect (assertLeader comes first): a pause made the term
          // suspect. Wait for the re-check, then start again (a start is idempotent), rather
          // than throw the term away; a lost term ends the wait.
          if (this.#o.whenLeader && refusals < 3 && !signal.aborted) {
            const resumed = await this.#o.whenLeader(signal).then(
              () => true,
              () => false,
            );
            if (resumed) continue;
          }
        } else {
          this.#o.onEvent({
            type: 'resource-failed',
            resource: r.name,
            action: 'start',
            error: e.lastError,
            ...(errCode(err) ? { code: errCode(err) } : {}),
            failures: e.failures,
          });
        }
        e.state = 'failed';
        throw err instanceof FailoverError
          ? err
          : new FailoverError(
              'HOLDFAST_E_RESOURCE_FAILED',
              `resource '${r.name}' failed to start: ${e.lastError}`,
              { resource: r.name },
              { cause: err },
            );
      }
    }
    e.state = 'running';
    e.lastError = null;
    this.#o.onEvent({ type: 'resource-started', resource: r.name, token: this.#token, tookMs: Math.round(this.#o.clock.now() - started) });
  }

  #scheduleMonitor(e: Entry, gen: number): void {
    e.timer = this.#o.clock.setTimeout(() => void this.#monitor(e, gen), e.resource.intervalMs);
  }

  async #monitor(e: Entry, gen: number): Promise<void> {
    if (gen !== this.#generation) return;
    const r = e.resource;
    let failure: string | null = null;
    try {
      this.#o.assertLeader();
      const result = await this.#bounded(e, this.#token, undefined, (ctx) => r.monitor(this.#leaderCtx(ctx)));
      if (!result.healthy) failure = result.reason;
    } catch (err) {
      if (err instanceof NotLeaderError) {
        // No side effect without leadership. Either the loop is demoting (it will bump the
        // generation and stop us) or leadership is being re-confirmed after a pause: keep the
        // schedule, so monitoring resumes if it is.
        if (gen === this.#generation) {
          this.#o.onEvent({ type: 'action-refused', resource: r.name, action: 'monitor', error: err.message });
          this.#scheduleMonitor(e, gen);
        }
        return;
      }
      failure = errText(err);
    }
    if (gen !== this.#generation) return;
    if (failure === null) {
      e.failures = 0;
      e.lastError = null;
      return this.#scheduleMonitor(e, gen);
    }
    e.failures++;
    e.lastError = failure;
    this.#o.onEvent({ type: 'resource-failed', resource: r.name, action: 'monitor', error: failure, failures: e.failures });
    if (e.failures >= r.onFail.maxFailures) {
      return this.#o.onGiveUp(r.name, `${e.failures} failures in a row (last: ${failure})`);
    }
    if (r.onFail.action === 'restart') await this.#restart(e, gen);
    if (gen === this.#generation) this.#scheduleMonitor(e, gen);
  }

  async #restart(e: Entry, gen: number): Promise<void> {
    e.state = 'restarting';
    e.restarts++;
    try {
      await this.#bounded(e, this.#token, undefined, (ctx) => e.resource.stop(ctx));
      if (gen !== this.#generation) return;
      await this.#start(e, new AbortController().signal);
      this.#o.onEvent({ type: 'resource-restarted', resource: e.resource.name, token: this.#token });
    } catch (err) {
      if (gen !== this.#generation || err instanceof NotLeaderError) return;
      e.failures++;
      e.state = 'failed';
      e.lastError = errText(err);
      if (e.failures >= e.resource.onFail.maxFailures)
        this.#o.onGiveUp(e.resource.name, `restart failed ${e.failures} times in a row (last: ${e.lastError})`);
    }
  }

  #leaderCtx(ctx: StopContext): LeaderContext {
    return { ...ctx, assertLeader: this.#o.assertLeader };
  }

  /**
   * Runs `fn` with a context whose signal aborts at the resource's timeout or with `parent`.
   * Rejects as soon as the signal aborts; the action itself stays in `track` (if given) until it ends.
   */
  async #bounded<T>(
    e: Entry,
    token: number,
    parent: AbortSignal | undefined,
    fn: (ctx: StopContext) => Promise<T>,
    track?: Set<Promise<void>>,
  ): Promise<T> {
    const r = e.resource;
    const abort = new AbortController();
    this.#inflight.add(abort);
    const onParent = () => abort.abort(parent?.reason);
    parent?.addEventListener('abort', onParent, { once: true });
    if (parent?.aborted) onParent();
    const timer = this.#o.clock.setTimeout(
      () =>
        abort.abort(
          new FailoverError(
            'HOLDFAST_E_RESOURCE_TIMEOUT',
            `resource '${r.name}' did not finish within ${r.timeoutMs} ms; raise its timeout or fix what it waits for`,
            { resource: r.name },
          ),
        ),
      r.timeoutMs,
    );
    const ctx: StopContext = {
      node: this.#o.node,
      cluster: this.#o.cluster,
      token,
      env: actionEnv(this.#o.node, this.#o.cluster, token),
      signal: abort.signal,
      log: this.#o.log.child({ resource: r.name }),
    };
    const marker = this.#o.actionMarker;
    let action: Promise<T>;
    try {
      action = marker ? actionScope.run(marker, () => fn(ctx)) : fn(ctx);
    } catch (err) {
      action = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (track) {
      const ended: Promise<void> = action.then(
        () => void track.delete(ended),
        () => void track.delete(ended),
      );
      track.add(ended);
    }
    try {
      return await Promise.race([
        action,
        new Promise<never>((_, reject) => {
          const fail = () => reject(abort.signal.reason instanceof Error ? abort.signal.reason : new Error(String(abort.signal.reason)));
          if (abort.signal.aborted) fail();
          else abort.signal.addEventListener('abort', fail, { once: true });
        }),
      ]);
    } finally {
      timer.cancel();
      parent?.removeEventListener('abort', onParent);
      this.#inflight.delete(abort);
    }
  }
}
