// A holdfast supervisor program as a resource: the leader starts it (e.g. promotes a standby),
// demotion stops it. The supervisor does the process work (readiness, clean stop, restarts);
// this resource only asks it, through the small SupervisorControl interface below, which the
// supervisor's control client implements. The fencing token goes along as the program's
// environment (HOLDFAST_FENCING_TOKEN) so the program can stamp its writes with it.
import { z } from 'zod';
import { FailoverError } from '../errors.ts';
import { resourceBaseSchema, type LeaderContext, type MonitorResult, type OnFailPolicy, type Resource, type ResourceDeps, type ResourceKind, type StopContext } from './resource.ts';

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
  socket: z.string().min(1).optional().describe("the supervisor's control socket; default: the supervisor's default for this host"),
});
export type ProgramConfig = z.output<typeof programSchema>;

const RUNNING = new Set(['running']);

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
    await this.#call('start', () => this.#control.start(this.#program, { env: ctx.env, signal: ctx.signal }));
  }

  async monitor(ctx: LeaderContext): Promise<MonitorResult> {
    const s = await this.#call('status', () => this.#control.status(this.#program, { signal: ctx.signal }));
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
      throw new FailoverError('HOLDFAST_E_RESOURCE_FAILED', `resource '${this.name}': the supervisor could not ${action} program '${this.#program}'${code ? ` [${code}]` : ''}: ${(err as Error).message}`, { resource: this.name, program: this.#program }, { cause: err });
    }
  }
}

/** How the program kind reaches a supervisor; replaced once @holdfast/supervisor exports its control client. */
export type SupervisorControlFactory = (config: ProgramConfig, deps: ResourceDeps) => SupervisorControl;

let controlFactory: SupervisorControlFactory = (config) => {
  throw new FailoverError(
    'HOLDFAST_E_CONFIG',
    `resource '${config.name}' (kind program) needs the holdfast supervisor's control client, which this build of @holdfast/failover does not have yet; use an 'exec' resource whose start/stop/monitor scripts call the supervisor's command line meanwhile`,
  );
};

/** Wires the program kind to a supervisor client (the agent does this at start; tests pass a fake). */
export function setSupervisorControlFactory(factory: SupervisorControlFactory): void {
  controlFactory = factory;
}

export const programKind: ResourceKind<ProgramConfig> = {
  kind: 'program',
  schema: programSchema,
  create: (config: ProgramConfig, deps: ResourceDeps) => new ProgramResource(config, controlFactory(config, deps)),
};
