// A holdfast supervisor program as a resource: the leader starts it (e.g. promotes a standby),
// demotion stops it. The supervisor does the process work (readiness, clean stop, restarts);
// this resource only asks it, through the small SupervisorControl interface below, which
// @holdfast/supervisor/client's `supervisorControl(client)` implements (the client subpath: the
// agent never loads the daemon's code). The fencing token goes along as
// the program's environment (HOLDFAST_FENCING_TOKEN) so the program can stamp its writes with it.
//
// A term's program must carry that term's token: a start finds the program already up (the
// supervisor autostarted it, or a stop was lost) stops it first, so the process that runs was
// started with this token and no other.
import { z } from 'zod';
import { FailoverError } from '../errors.ts';
import {
  resourceBaseSchema,
  type LeaderContext,
  type MonitorResult,
  type OnFailPolicy,
  type Resource,
  type ResourceDeps,
  type ResourceKind,
  type StopContext,
} from './resource.ts';

export interface ProgramStatus {
  /** The supervisor's state name (running, starting, stopped, backoff, fatal, …), any case. */
  state: string;
  /** The program's readiness check, when it has one. */
  ready?: boolean;
  pid?: number;
}

/** What the program resource needs from the supervisor. */
export interface SupervisorControl {
  start(program: string, opts: { env: Readonly<Record<string, string>>; signal: AbortSignal }): Promise<void>;
  stop(program: string, opts: { signal: AbortSignal }): Promise<void>;
  status(program: string, opts: { signal: AbortSignal }): Promise<ProgramStatus>;
}

export const programSchema = resourceBaseSchema.extend({
  kind: z.literal('program'),
  program: z.string().min(1).describe('the supervisor program (or group:program) to start on promotion and stop on demotion'),
  socket: z
    .string()
    .min(1)
    .optional()
    .describe(
      "the supervisor's control socket; default: $HOLDFAST_SOCKET, else the supervisor's default socket (as `holdfast status` finds it)",
    ),
});
export type ProgramConfig = z.output<typeof programSchema>;

const RUNNING = new Set(['running']);
/** Supervisor states in which no process of the program runs. */
const DOWN = new Set(['stopped', 'exited', 'fatal']);

export class ProgramResource implements Resource {
  readonly kind = 'program';
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly onFail: OnFailPolicy;
  readonly #program: string;
  readonly #control: SupervisorControl;
  #last: ProgramStatus | undefined;

  constructor(config: ProgramConfig, control: SupervisorControl) {
    this.name = config.name;
    this.intervalMs = config.interval;
    this.timeoutMs = config.timeout;
    this.onFail = config.onFail;
    this.#program = config.program;
    this.#control = control;
  }

  async start(ctx: LeaderContext): Promise<void> {
    ctx.assertLeader();
    const now = await this.#call('read the state of', () => this.#control.status(this.#program, { signal: ctx.signal }));
    if (!DOWN.has(now.state.toLowerCase())) {
      ctx.log.warn(
        { resource: this.name, program: this.#program, state: now.state, token: ctx.token },
        'the program was already up without this term’s token: stopping it before starting it with the token',
      );
      await this.#call('stop', () => this.#control.stop(this.#program, { signal: ctx.signal }));
    }
    ctx.assertLeader();
    await this.#call('start', () => this.#control.start(this.#program, { env: ctx.env, signal: ctx.signal }));
  }

  async monitor(ctx: LeaderContext): Promise<MonitorResult> {
    const s = await this.#call('read the state of', () => this.#control.status(this.#program, { signal: ctx.signal }));
    this.#last = s;
    if (!RUNNING.has(s.state.toLowerCase())) return { healthy: false, reason: `program '${this.#program}' is ${s.state}` };
    if (s.ready === false) return { healthy: false, reason: `program '${this.#program}' is running but not ready` };
    return { healthy: true, detail: s.pid ? `pid ${s.pid}` : s.state };
  }

  async stop(ctx: StopContext): Promise<void> {
    await this.#call('stop', () => this.#control.stop(this.#program, { signal: ctx.signal }));
  }

  describe(): Record<string, unknown> {
    return { program: this.#program, ...(this.#last ? { state: this.#last.state, pid: this.#last.pid } : {}) };
  }

  async #call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof FailoverError) throw err;
      const code = (err as { code?: string }).code;
      throw new FailoverError(
        'HOLDFAST_E_RESOURCE_FAILED',
        `resource '${this.name}': the supervisor could ` +
          `not ${action} program ` +
          `'${this.#program}'${code ? ` ` + `[${code}]` : ''}: ${(err as Error).message}`,
        { resource: this.name, program: this.#program },
        { cause: err },
      );
    }
  }
}

/** How the program kind reaches a supervisor (createProgramKind takes another one: tests, embedding). */
export type SupervisorControlFactory = (config: ProgramConfig, deps: ResourceDeps) => SupervisorControl;

/**
 * The real one: @holdfast/supervisor's client on `socket`, or, without one, the daemon a
 * `holdfast` command would find (HOLDFAST_SOCKET, a socket path or an http:// URL with
 * HOLDFAST_TOKEN; else the default socket). The supervisor package is loaded on first use, so
 * agents (and fence companions) without program resources never load it.
 */
export function supervisorClientControl(config: ProgramConfig): SupervisorControl {
  let control: Promise<SupervisorControl> | undefined;
  const get = (): Promise<SupervisorControl> =>
    (control ??= (async () => {
      const s = await import('@holdfast/supervisor/client');
      const client = config.socket
        ? new s.SupervisorClient({ socket: config.socket, timeoutMs: config.timeout })
        : await s.clientFor({ timeoutMs: config.timeout });
      return s.supervisorControl(client);
    })().catch((err: unknown) => {
      control = undefined; // try again on the next call
      throw err;
    }));
  return {
    start: async (program, opts) => (await get()).start(program, opts),
    stop: async (program, opts) => (await get()).stop(program, opts),
    status: async (program, opts) => (await get()).status(program, opts),
  };
}

/** The program kind, reaching supervisors through `control` (by default @holdfast/supervisor's client). */
export function createProgramKind(control: SupervisorControlFactory = supervisorClientControl): ResourceKind<ProgramConfig> {
  return {
    kind: 'program',
    schema: programSchema,
    create: (config: ProgramConfig, deps: ResourceDeps) => new ProgramResource(config, control(config, deps)),
  };
}

export const programKind: ResourceKind<ProgramConfig> = createProgramKind();
