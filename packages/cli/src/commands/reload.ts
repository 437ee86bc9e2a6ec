// `holdfast reload <program>`: rolling reload, start-before-stop, each new instance gated on its
// own readiness proof; progress from the daemon's event stream as it happens.
import type { ReloadResult, SupervisorEvent } from '@holdfast/supervisor';
import { duration, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { client, connectionHelp, connectionOptions, statusTable } from './supervisor-shared.ts';

const usage = `Usage: holdfast reload <program> [--timeout 60s] [--json]

Replaces every instance of <program> without dropping a request: starts a new instance, waits
until it proves it is ready (its own proof: ready: {notify: true} or {message: true}; a probe of a
shared port cannot tell which instance answered), then drains one old instance (SIGTERM: it stops
accepting, lets keep-alive clients move away, finishes what is in flight), and repeats until every
instance is new. Never fewer than 'instances' are READY (reload.maxSurge, reload.maxUnavailable in
the config tune the pace). Programs with 'listen:' share one listening socket the supervisor
holds, so no connection is refused while instances change.

If a new instance does not become ready (it exits, or gives no proof in time), the rollout stops:
that instance is removed, the old instances keep serving, and the exit code is 1.

Options:
  --timeout <duration>  longest wait for each new instance's proof (default: its ready.timeoutMs)
  --json                print the result as JSON (no progress lines)
${connectionHelp}

Exit codes: 0 every instance replaced; 1 the rollout stopped (or the daemon refused: unknown
program, program not running, another reload under way); 2 usage.

Examples:
  holdfast reload gateway -c examples/shop/holdfast.yaml
  holdfast reload api --json | jq .replaced`;

function progressLine(e: Extract<SupervisorEvent, { type: 'reload' }>, t0: number): string | undefined {
  const at = `${((Date.parse(e.at) - t0) / 1000).toFixed(1).padStart(5)}s`;
  switch (e.phase) {
    case 'start':
      return `${at}  reloading ${e.program}: ${e.detail}`;
    case 'instance-starting':
      return `${at}  ${e.instance}: starting a new instance`;
    case 'instance-ready':
      return `${at}  ${e.instance}: new pid ${e.pid} is READY (replaces pid ${e.oldPid})`;
    case 'instance-draining':
      return `${at}  ${e.instance}: draining old pid ${e.pid}`;
    case 'instance-retired':
      return `${at}  ${e.instance}: old pid ${e.pid} is gone (${e.detail})`;
    case 'failed':
      return `${at}  ${e.instance ?? e.program}: FAILED: ${e.detail}`;
    case 'done':
      return `${at}  done: ${e.detail}`;
  }
  return undefined;
}

export const command: Command = {
  path: ['reload'],
  summary: 'rolling reload: replace every instance of a program, start-before-stop, without dropping requests',
  usage,
  async run(argv) {
    const options = { ...connectionOptions, timeout: { type: 'string' }, json: { type: 'boolean' } } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    if (positionals.length !== 1) {
      if (positionals.length) throw new UsageError(`reload takes one program, got ${positionals.join(', ')}`);
      throw new UsageError('which program? Name one: holdfast reload <program>');
    }
    const program = positionals[0]!;
    const json = values.json === true;
    const timeoutMs = values.timeout === undefined ? undefined : duration('timeout', values.timeout, 60_000);
    // No request timeout of its own: a reload of many slow instances takes as long as it takes.
    const c = await client(values, 24 * 3_600_000);
    const ac = new AbortController();
    const t0 = Date.now();
    if (!json) {
      c.events(
        (e) => {
          if (e.type !== 'reload' || e.program !== program) return;
          const line = progressLine(e, t0);
          if (line) console.log(line);
        },
        { signal: ac.signal },
      ).catch(() => {});
    }
    let result: ReloadResult | undefined;
    let error: (Error & { code?: string; details?: { result?: ReloadResult } }) | undefined;
    try {
      result = await c.reload(program, timeoutMs ? { timeoutMs } : {});
    } catch (err) {
      error = err as typeof error;
      result = error?.details?.result;
    } finally {
      // Let the last progress lines arrive before closing the stream.
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
    }
    if (json) {
      const failed = error && { ok: false, error: { code: error.code, message: error.message }, ...(result ? { result } : {}) };
      console.log(JSON.stringify(failed ?? result, null, 2));
      return error ? 1 : 0;
    }
    if (result) console.log(`\n${statusTable(result.instances)}`);
    if (error) {
      console.error(`holdfast reload: ${error.code ? `[${error.code}] ` : ''}${error.message}`);
      const out = result?.failed?.output ?? [];
      if (out.length) console.error(`the last output of ${result!.failed!.instance}:\n${out.map((l) => `  ${l}`).join('\n')}`);
      return 1;
    }
    const took = (result!.durationMs / 1000).toFixed(1);
    console.log(`\n${program}: ${result!.replaced.length} instance(s) replaced in ${took} s; the old ones drained and exited`);
    return 0;
  },
};
