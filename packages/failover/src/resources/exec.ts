// A resource run by scripts, with OCF-like exit codes (as Pacemaker's resource agents):
//   monitor: 0 running, 7 not running, anything else failed;
//   start:   0 started, anything else failed;
//   stop:    0 stopped, 7 was not running (also a success: stop is idempotent), else failed.
// Each script gets HOLDFAST_FENCING_TOKEN (with HOLDFAST_NODE, HOLDFAST_CLUSTER) in its
// environment, runs in a process group of its own and is ended, group and all, when the action's
// signal aborts (its timeout, or lost leadership).
import { z } from 'zod';
import { FailoverError } from '../errors.ts';
import {
  resourceBaseSchema,
  type LeaderContext,
  type MonitorResult,
  type OnFailPolicy,
  type Resource,
  type ResourceContext,
  type ResourceKind,
  type StopContext,
} from './resource.ts';
import { inNetns, outputOf, runCommand, type CommandResult } from './command.ts';

export const OCF_SUCCESS = 0;
export const OCF_NOT_RUNNING = 7;

const commandSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .describe('a shell command line (run with /bin/sh -c) or an argv array (run as is)');

export const execSchema = resourceBaseSchema.extend({
  kind: z.literal('exec'),
  start: commandSchema,
  stop: commandSchema,
  monitor: commandSchema.optional().describe('exit 0 running, 7 not running, else failed; without it the resource is taken as healthy'),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).default({}),
  netns: z.string().min(1).optional().describe('network namespace the scripts run in (drills)'),
});
export type ExecConfig = z.output<typeof execSchema>;
type Command = ExecConfig['start'];

export class ExecResource implements Resource {
  readonly kind = 'exec';
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly onFail: OnFailPolicy;
  readonly #config: ExecConfig;
  #lastExit: { action: string; code: number | null } | undefined;

  constructor(config: ExecConfig) {
    this.#config = config;
    this.name = config.name;
    this.intervalMs = config.interval;
    this.timeoutMs = config.timeout;
    this.onFail = config.onFail;
  }

  async start(ctx: LeaderContext): Promise<void> {
    ctx.assertLeader();
    const r = await this.#run('start', this.#config.start, ctx);
    if (r.code !== OCF_SUCCESS) throw this.#failure('start', r);
  }

  async monitor(ctx: LeaderContext): Promise<MonitorResult> {
    if (!this.#config.monitor) return { healthy: true, detail: 'no monitor script' };
    ctx.assertLeader();
    const r = await this.#run('monitor', this.#config.monitor, ctx);
    if (r.code === OCF_SUCCESS) return { healthy: true };
    if (r.code === OCF_NOT_RUNNING) return { healthy: false, reason: 'monitor says not running (exit 7)' };
    return { healthy: false, reason: describeFailure('monitor', r) };
  }

  async stop(ctx: StopContext): Promise<void> {
    const r = await this.#run('stop', this.#config.stop, ctx);
    if (r.code !== OCF_SUCCESS && r.code !== OCF_NOT_RUNNING) throw this.#failure('stop', r);
  }

  describe(): Record<string, unknown> {
    return this.#lastExit ? { lastAction: this.#lastExit.action, lastExit: this.#lastExit.code } : {};
  }

  async #run(action: string, command: Command, ctx: ResourceContext): Promise<CommandResult> {
    const [file, args] = typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0]!, command.slice(1)];
    const [f, a] = inNetns(this.#config.netns, file, args);
    try {
      const r = await runCommand(f, a, {
        env: { ...this.#config.env, ...ctx.env },
        cwd: this.#config.cwd,
        signal: ctx.signal,
        group: true,
      });
      this.#lastExit = { action, code: r.code };
      return r;
    } catch (err) {
      throw new FailoverError(
        'HOLDFAST_E_RESOURCE_FAILED',
        `resource '${this.name}': cannot run ` +
          `its ${action} command ` +
          `'${file}': ${(err as Error).message}; check the ` +
          `path and that it is executable`,
        { resource: this.name, action },
        { cause: err },
      );
    }
  }

  #failure(action: string, r: CommandResult): FailoverError {
    if (r.aborted)
      return new FailoverError('HOLDFAST_E_RESOURCE_TIMEOUT', `resource '${this.name}': ${action} did not finish in time and was ended`, {
        resource: this.name,
        action,
      });
    return new FailoverError('HOLDFAST_E_RESOURCE_FAILED', `resource '${this.name}': ${describeFailure(action, r)}`, {
      resource: this.name,
      action,
      exit: r.code,
    });
  }
}

function describeFailure(action: string, r: CommandResult): string {
  if (r.aborted) return `${action} timed out`;
  const how = r.code === null ? `was killed by ${r.signal}` : `exited ${r.code}`;
  const out = outputOf(r);
  return `${action} ${how}${out ? `: ${out}` : ''}`;
}

export const execKind: ResourceKind<ExecConfig> = {
  kind: 'exec',
  schema: execSchema,
  create: (config: ExecConfig) => new ExecResource(config),
};
