// `holdfast reload <program>`: replace every instance, start-before-stop, each new instance gated
// on its own readiness proof. Per step (see rollout-plan.ts): start the new instance(s), wait
// until each is READY (its own proof: a notify fd or IPC message, not whichever instance answers
// on the shared port), then stop the old one(s): SIGTERM, which the service runtime turns into a
// drain (stop accepting on the shared socket, let keep-alive clients move away, finish what is in
// flight). With a shared listening socket the kernel hands each new connection to an instance
// that still accepts, so nothing is refused and nothing lands on an instance that is going away.
//
// A new instance that fails (exits, gives no proof in time, is stopped) ends the rollout: it is
// removed, the old instances that have not been replaced keep serving, and the result says why.
import type { EventEmitter } from 'node:events';
import type { InstanceStatus, ReloadResult, SupervisorEvent } from '../api/types.ts';
import type { ProgramConfig } from '../config/schema.ts';
import type { Logger } from '../logger.ts';
import type { InstanceRunner } from './instance-runner.ts';
import { planRollout } from './rollout-plan.ts';
import { exitSummary } from './status.ts';

export interface ReloadSlot {
  runner: InstanceRunner;
  /** How many times this slot's instance has been replaced (names the next key: web:0~3). */
  generation: number;
}

export interface ReloadHost {
  slots(program: string): ReloadSlot[];
  config(program: string): ProgramConfig;
  /** A new runner for `slot`'s next generation (sharing the slot's log files), tracked as role 'new'; not started. */
  replacement(program: string, slot: ReloadSlot): InstanceRunner;
  /** Puts a READY replacement into its slot (it stops being role 'new'). */
  adopt(program: string, slot: ReloadSlot, runner: InstanceRunner): void;
  /** Marks a runner that left its slot as draining (role 'old'). */
  retiring(program: string, runner: InstanceRunner): void;
  /** Forgets a runner that is down (new that failed, or old that drained) and removes its cgroup. */
  forget(program: string, runner: InstanceRunner): Promise<void>;
  statusOf(r: InstanceRunner): InstanceStatus;
  /** Emits 'change' with a runner on each of its state changes. */
  changes: EventEmitter;
  emit(e: SupervisorEvent): void;
  log: Logger;
}

export interface ReloadOptions {
  /** Longest wait for one new instance's proof (default: its ready.timeoutMs, or 60 s). */
  readyTimeoutMs?: number;
}

type Outcome = { ok: true; readyMs: number } | { ok: false; reason: string; pid: number | null };

const FAILED_STATES = new Set(['BACKOFF', 'FATAL', 'EXITED', 'STOPPED', 'STOPPING']);

function why(r: InstanceRunner): string {
  const s = r.state;
  if (s.state === 'FATAL' && s.fatalReason) return s.fatalReason;
  const x = s.lastExit;
  if (s.state === 'STOPPING' && s.stopReason === 'ready-timeout')
    return (
      `no readiness proof ` +
      `within ${
        r.program.ready.kind === 'after' ? 'its startSecs' : `${(r.program.ready as { timeoutMs: number }).timeoutMs} ms`
      } (ready-timeout)`
    );
  if (s.state === 'STOPPING' && s.stopReason === 'liveness') return 'liveness probe failed before it was ready';
  if (!x) return `went ${s.state} before it was ready`;
  const how =
    x.reason === 'exited'
      ? `exited with code ${x.code}`
      : x.reason === 'signal'
        ? `was killed by ${x.signal}`
        : x.reason === 'spawn-error'
          ? `could not be started: ${x.detail}`
          : x.detail
            ? `${x.reason}: ${x.detail}`
            : x.reason;
  return `${how} before it was ready`;
}

export class RollingReload {
  private readonly host: ReloadHost;
  private readonly program: string;
  private readonly opts: ReloadOptions;
  private aborted: string | undefined;
  private onAbort: (() => void)[] = [];

  constructor(host: ReloadHost, program: string, opts: ReloadOptions = {}) {
    this.host = host;
    this.program = program;
    this.opts = opts;
  }

  /** Ends the rollout at the next check (a stop or a shutdown of the program). */
  abort(reason: string): void {
    this.aborted ??= reason;
    for (const f of this.onAbort.splice(0)) f();
  }

  private event(
    phase: Extract<SupervisorEvent, { type: 'reload' }>['phase'],
    extra: { instance?: string; pid?: number | null; oldPid?: number | null; detail?: string } = {},
  ): void {
    this.host.emit({
      type: 'reload',
      program: this.program,
      phase,
      at: new Date().toISOString(),
      instance: extra.instance ?? null,
      pid: extra.pid ?? null,
      oldPid: extra.oldPid ?? null,
      detail: extra.detail ?? null,
    });
  }

  /** Starts `r` and resolves once it is READY, or with the reason it is not. */
  private waitReady(r: InstanceRunner): Promise<Outcome> {
    const t0 = performance.now();
    const p = r.program;
    const timeoutMs = this.opts.readyTimeoutMs ?? (p.ready.kind === 'after' ? p.ready.ms + 60_000 : p.ready.timeoutMs + 5_000);
    let pid: number | null = null;
    return new Promise((resolve) => {
      let done = false;
      const fail = (reason: string) => finish({ ok: false, reason, pid });
      const finish = (o: Outcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.host.changes.off('change', onChange);
        resolve(o);
      };
      const onChange = (x: InstanceRunner) => {
        if (x !== r) return;
        pid = r.state.pid ?? pid;
        if (r.state.state === 'READY') finish({ ok: true, readyMs: Math.round(performance.now() - t0) });
        else if (FAILED_STATES.has(r.state.state)) fail(why(r));
      };
      const timer = setTimeout(() => fail(`no readiness proof within ${timeoutMs} ms`), timeoutMs);
      this.onAbort.push(() => fail(this.aborted!));
      this.host.changes.on('change', onChange);
      // A manual start: counters start over, and a failure is seen at once (no backoff loop).
      r.send({ type: 'start', manual: true });
      if (this.aborted) fail(this.aborted);
    });
  }

  /** Stops a runner that left its slot; resolves when its processes are gone. */
  private async retire(old: InstanceRunner): Promise<void> {
    this.host.retiring(this.program, old);
    const pid = old.pid ?? null;
    this.event('instance-draining', { instance: old.spec.id, pid });
    old.send({ type: 'stop' });
    await old.whenDown();
    this.event('instance-retired', { instance: old.spec.id, pid, detail: exitSummary(old.state.lastExit)?.reason ?? 'stopped' });
    await this.host.forget(this.program, old);
  }

  async run(): Promise<ReloadResult> {
    const t0 = performance.now();
    const cfg = this.host.config(this.program);
    const slots = this.host.slots(this.program);
    const steps = planRollout(slots.length, cfg.reload?.maxSurge ?? 1, cfg.reload?.maxUnavailable ?? 0);
    const replaced: ReloadResult['replaced'] = [];
    const draining: Promise<void>[] = [];
    let failed: ReloadResult['failed'] = null;
    this.event('start', { detail: `${slots.length} instance(s), ${steps.length} step(s)` });
    this.host.log.info({ program: this.program, instances: slots.length, steps: steps.length }, `rolling reload of ${this.program}`);

    for (const step of steps) {
      if (this.aborted) {
        failed = { instance: null, pid: null, reason: this.aborted, output: [] };
        break;
      }
      // maxUnavailable: these old instances go before their replacements are ready.
      for (const i of step.stopFirst) {
        const slot = slots[i]!;
        draining.push(this.retire(slot.runner));
      }
      const olds = step.slots.map((i) => slots[i]!.runner);
      const news = step.slots.map((i) => this.host.replacement(this.program, slots[i]!));
      for (const r of news) this.event('instance-starting', { instance: r.spec.id });
      const outcomes = await Promise.all(news.map((r) => this.waitReady(r)));
      const bad = outcomes.findIndex((o) => !o.ok);
      if (bad >= 0) {
        const r = news[bad]!;
        const { reason, pid } = outcomes[bad] as { reason: string; pid: number | null };
        failed = { instance: r.spec.id, pid, reason, output: [] };
        this.event('failed', { instance: r.spec.id, detail: reason });
        this.host.log.error(
          { program: this.program, instance: r.spec.id, reason },
          `rolling reload of ${this.program} stopped: ${r.spec.id} ${reason}; the old instances keep serving`,
        );
        // Every new instance of this step goes; the old ones that were not stopped first stay.
        await Promise.all(
          news.map(async (n) => {
            n.send({ type: 'stop' });
            await n.whenDown();
            await this.host.forget(this.program, n);
          }),
        );
        // What the failed instance said last: usually why it failed.
        failed.output = r.recentOutput();
        // Slots whose old instance went first (maxUnavailable) get an instance back.
        for (const i of step.stopFirst) {
          const slot = slots[i]!;
          const again = this.host.replacement(this.program, slot);
          this.host.adopt(this.program, slot, again);
          again.send({ type: 'start', manual: true });
        }
        break;
      }
      for (const [k, i] of step.slots.entries()) {
        const slot = slots[i]!;
        const old = olds[k]!;
        const fresh = news[k]!;
        this.host.adopt(this.program, slot, fresh);
        replaced.push({
          instance: fresh.spec.id,
          oldPid: old.pid ?? null,
          newPid: fresh.pid ?? null,
          readyMs: (outcomes[k] as { readyMs: number }).readyMs,
        });
        this.event('instance-ready', { instance: fresh.spec.id, pid: fresh.pid ?? null, oldPid: old.pid ?? null });
        if (!step.stopFirst.includes(i)) draining.push(this.retire(old));
      }
    }
    // The old instances finish their drain before the reload reports back.
    await Promise.all(draining);
    const ok = failed === null;
    const durationMs = Math.round(performance.now() - t0);
    if (ok) {
      this.event('done', { detail: `${replaced.length} instance(s) replaced in ${durationMs} ms` });
      this.host.log.info({ program: this.program, replaced: replaced.length, durationMs }, `rolling reload of ${this.program} done`);
    }
    return {
      program: this.program,
      ok,
      replaced,
      failed,
      durationMs,
      instances: this.host.slots(this.program).map((s) => this.host.statusOf(s.runner)),
    };
  }
}
