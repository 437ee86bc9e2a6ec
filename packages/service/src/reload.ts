// SIGHUP: the Unix convention for "pick up your files again", and what `holdfast signal HUP`
// sends. The service reopens its log file (so logrotate can move it away), then runs the
// application's onReload hooks (re-read a rules or config file) in registration order, each
// under its own timeout. Nothing here stops the service: a hook that throws or hangs is logged.
import type { Logger } from 'pino';
import { runHooks, validHook, type HookResult, type RegisteredHook, type ShutdownHook } from './shutdown/hooks.ts';

export type ReloadHook = ShutdownHook;

export interface ReloadReport {
  reason: string;
  logReopened: boolean;
  hooks: HookResult[];
}

export class Reloader {
  readonly #hooks: RegisteredHook[] = [];
  readonly #log: Logger;
  readonly #reopenLog: () => boolean;
  #running: Promise<ReloadReport> | undefined;

  constructor(log: Logger, reopenLog: () => boolean) {
    this.#log = log;
    this.#reopenLog = reopenLog;
  }

  register(name: string, fn: ReloadHook, timeoutMs: number): void {
    this.#hooks.push(validHook('onReload', name, fn, timeoutMs));
  }

  /** Runs one reload; a signal that arrives during one joins it instead of starting another. */
  run(reason: string): Promise<ReloadReport> {
    this.#running ??= this.#run(reason).finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #run(reason: string): Promise<ReloadReport> {
    let logReopened = false;
    try {
      logReopened = this.#reopenLog();
    } catch (err) {
      this.#log.error({ err }, `${reason}: cannot reopen the log file; still writing to the old one`);
    }
    const total = this.#hooks.reduce((sum, h) => sum + h.timeoutMs, 0);
    // runHooks runs the last registered first (the shutdown order); reloads run in registration order.
    const hooks = await runHooks([...this.#hooks].reverse(), reason, performance.now() + total + 100);
    const failed = hooks.filter((h) => h.status !== 'ok');
    for (const h of failed)
      this.#log.error({ hook: h.name, status: h.status, error: h.error }, `${reason}: reload hook '${h.name}' ${h.status}`);
    const what = [
      logReopened ? 'reopened the log file' : 'logging to a stream (nothing to reopen)',
      `ran ${hooks.length} reload hook(s)${failed.length ? `, ${failed.length} failed` : ''}`,
    ];
    this.#log[failed.length ? 'warn' : 'info']({ reason, logReopened, hooks }, `${reason}: ${what.join('; ')}`);
    return { reason, logReopened, hooks };
  }
}
