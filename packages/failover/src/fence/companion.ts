// The agent's side of the fence companion (companion-main.ts): spawns it (or connects to one
// the supervisor runs, `socket:`), sends it the resource configs, arms it on promotion, pets it
// after every acknowledged keep-alive and disarms it after a clean demotion.
//
// If the companion dies while armed, the leader is unfenced: it is respawned and re-armed at
// once with the current term, and the loss is logged and reported through `onLost`.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { duration } from '@holdfast/config';
import { FailoverError } from '../errors.ts';
import type { Fence, FenceDeps, FenceKind, FenceTerm } from './fence.ts';
import { encode, lineSplitter, type AgentMessage, type FenceMessage } from './protocol.ts';
import { isReleaseSpec } from './release.ts';
import { checkPrivateDir } from '../private-dir.ts';

export const companionSchema = z.strictObject({
  kind: z.literal('companion'),
  socket: z
    .string()
    .min(1)
    .optional()
    .describe('connect to a companion already running on this Unix socket (e.g. under the supervisor) instead of spawning one'),
  maxValid: duration().default(60_000).describe('the fence never honours a pet further ahead than this (set it to the lease TTL)'),
  startTimeout: duration().default(10_000).describe('how long the companion may take to start'),
});
export type CompanionConfig = z.output<typeof companionSchema>;

/** Path of the companion's entry point, next to this file (.ts from source, .js when built). */
export const companionMainPath = fileURLToPath(new URL(`./companion-main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

type Waiter = { match: (m: FenceMessage) => boolean; resolve: (m: FenceMessage) => void; reject: (e: Error) => void };

export interface CompanionOptions {
  /** Called when the companion dies or reports it fired (the agent should demote at once). */
  onLost?: (why: string) => void;
  onFired?: (m: Extract<FenceMessage, { t: 'fired' }>) => void;
}

export class CompanionFence implements Fence {
  readonly kind = 'companion';
  readonly #config: CompanionConfig;
  readonly #deps: FenceDeps;
  readonly #opts: CompanionOptions;
  #child: ChildProcess | undefined;
  #out: Writable | undefined;
  #waiters: Waiter[] = [];
  #term: FenceTerm | undefined;
  #closing = false;
  #pid: number | undefined;
  #lastFired: Extract<FenceMessage, { t: 'fired' }> | undefined;

  constructor(config: CompanionConfig, deps: FenceDeps, opts: CompanionOptions = {}) {
    this.#config = config;
    this.#deps = deps;
    this.#opts = opts;
  }

  get pid(): number | undefined {
    return this.#pid;
  }

  async open(): Promise<void> {
    this.#closing = false;
    // A companion socket another user could reach (or have put there) could be someone else's
    // process posing as the fence: only one in a directory of this user's own is trusted.
    if (this.#config.socket) checkPrivateDir(dirname(this.#config.socket), 'fences[].socket', 'HOLDFAST_E_FENCE');
    const ready = this.#wait((m) => m.t === 'ready', 'start');
    if (this.#config.socket) this.#connect(this.#config.socket);
    else this.#spawn();
    const r = (await ready) as Extract<FenceMessage, { t: 'ready' }>;
    this.#pid = r.pid;
    const configured = this.#wait((m) => m.t === 'configured', 'configure');
    this.#send({
      t: 'configure',
      node: this.#deps.node,
      cluster: this.#deps.cluster,
      resources: [...this.#deps.resources],
      maxValidMs: this.#config.maxValid,
      agentPid: process.pid,
      ...(this.#deps.actionMarker ? { actionMarker: this.#deps.actionMarker } : {}),
    });
    await configured;
  }

  /** `term` may carry `release` (a ReleaseSpec): the fence then frees the lease of an agent that died. */
  async arm(term: FenceTerm): Promise<void> {
    this.#term = { ...term };
    const release = term.release;
    const armed = this.#wait((m) => (m.t === 'armed' && m.token === term.token) || m.t === 'error', 'arm');
    this.#send({ t: 'arm', token: term.token, validUntilMs: term.validUntilMs, ...(isReleaseSpec(release) ? { release } : {}) });
    const m = await armed;
    if (m.t === 'error')
      throw new FailoverError('HOLDFAST_E_FENCE', `the fence companion refused to arm for token ${term.token}: ${m.message}`);
  }

  pet(validUntilMs: number): void {
    if (!this.#term) return;
    this.#term.validUntilMs = validUntilMs;
    this.#send({ t: 'pet', token: this.#term.token, validUntilMs });
  }

  async disarm(): Promise<void> {
    const term = this.#term;
    if (!term) return;
    this.#term = undefined;
    const done = this.#wait((m) => m.t === 'disarmed' && m.token === term.token, 'disarm');
    this.#send({ t: 'disarm', token: term.token });
    await done;
  }

  async close(): Promise<void> {
    this.#closing = true;
    const child = this.#child;
    this.#send({ t: 'close' });
    this.#out?.end();
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, this.#config.startTimeout);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.#child = undefined;
    this.#out = undefined;
  }

  describe(): Record<string, unknown> {
    return {
      pid: this.#pid,
      armed: this.#term ? { token: this.#term.token, validUntilMs: this.#term.validUntilMs } : null,
      ...(this.#lastFired ? { lastFired: { token: this.#lastFired.token, reason: this.#lastFired.reason } } : {}),
    };
  }

  #spawn(): void {
    const child = spawn(process.execPath, [companionMainPath], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    this.#child = child;
    this.#out = child.stdin;
    child.stdin.on('error', () => {});
    child.stdout.on(
      'data',
      lineSplitter((l) => this.#onLine(l)),
    );
    child.once('error', (err) => this.#gone(`cannot start the fence companion: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (this.#child === child) this.#gone(`the fence companion exited (${signal ?? `code ${code}`})`);
    });
  }

  #connect(path: string): void {
    const conn = connect(path);
    this.#out = conn;
    conn.on(
      'data',
      lineSplitter((l) => this.#onLine(l)),
    );
    conn.once('error', (err) => this.#gone(`cannot reach the fence companion at ${path}: ${err.message}`));
    conn.once('close', () => {
      if (this.#out === conn) this.#gone(`the connection to the fence companion at ${path} closed`);
    });
  }

  #onLine(line: string): void {
    let m: FenceMessage;
    try {
      m = JSON.parse(line) as FenceMessage;
    } catch {
      return;
    }
    if (m.t === 'fired') {
      this.#lastFired = m;
      this.#deps.log.error(
        { token: m.token, reason: m.reason, results: m.results },
        'the fence fired: this node was fenced and must not act as leader',
      );
      if (this.#term?.token === m.token) this.#opts.onFired?.(m);
    }
    if (m.t === 'error') this.#deps.log.warn({ message: m.message }, 'fence companion');
    const i = this.#waiters.findIndex((w) => w.match(m));
    if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
  }

  #gone(why: string): void {
    this.#child = undefined;
    this.#out = undefined;
    for (const w of this.#waiters.splice(0))
      w.reject(new FailoverError('HOLDFAST_E_FENCE', `${why}; check the agent's stderr for the companion's own log`));
    if (this.#closing) return;
    const term = this.#term;
    this.#deps.log.error({ why, armed: term?.token }, 'fence companion lost');
    this.#opts.onLost?.(why);
    if (term && !this.#config.socket) {
      // Re-establish fencing for the current term; until then only the agent itself guards it.
      this.open()
        .then(() => this.arm(term))
        .catch((err: unknown) => this.#deps.log.error({ err: (err as Error).message }, 'could not restart the fence companion'));
    }
  }

  #send(m: AgentMessage): void {
    const out = this.#out;
    if (out && !out.destroyed && out.writable) out.write(encode(m));
  }

  #wait(match: Waiter['match'], what: string): Promise<FenceMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(
          new FailoverError(
            'HOLDFAST_E_FENCE',
            `the fence companion did not answer '${what}' within ${this.#config.startTimeout} ms; check the agent's stderr for its log`,
          ),
        );
      }, this.#config.startTimeout);
      const w: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.push(w);
    });
  }
}

export const companionKind: FenceKind<CompanionConfig> = {
  kind: 'companion',
  schema: companionSchema,
  // onLost/onFired travel in deps when the agent provides them (FenceDeps may grow these fields).
  create: (config: CompanionConfig, deps: FenceDeps) => new CompanionFence(config, deps, deps as FenceDeps & CompanionOptions),
};
