// `holdfast explain`: which program is the probable cause of what is going wrong now, from the
// metrics the supervisor daemon scrapes (its `scrape:` section): each program's errors and
// latency over the window beside the period before it, the calls between programs, and what
// their logs said meanwhile.
import { duration, noArguments, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast explain [--since 10m] [--json]

Ranks the probable cause of a fault: the deepest program whose own errors or latency are
abnormal while what it calls is healthy; the programs that call it and suffer are listed as
affected, with the call path. Each program's figures over the window stand beside the same
figures for the period just before it, and the log templates that burst there are cited.
Needs a 'scrape:' section in the daemon's config (docs/root-cause.md).
Exit code 0, or 3 when a probable cause was found.

Options:
  --since      the window to explain (default 10m; at most half of scrape.retention)
  --json       {ranking, text} as JSON (ranking.candidates[0] is the probable cause)
${connectionHelp}

Examples:
  holdfast explain -c holdfast.yaml
  holdfast explain --since 2m
  holdfast explain --json | jq -r '.ranking.candidates[] | "\\(.role) \\(.program): \\(.why)"'`;

export const command: Command = {
  path: ['explain'],
  summary: 'name the probable cause of a fault from the programs\u2019 metrics (errors, latency, calls, logs)',
  usage,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { ...connectionOptions, since: { type: 'string' }, json: { type: 'boolean' } },
      { positionals: true },
    );
    noArguments(positionals, 'holdfast explain takes options only');
    const ms = duration('since', values.since, 10 * 60_000, 30 * 86_400_000);
    if (ms < 10_000) throw new UsageError(`--since must be at least 10s, got '${values.since}'`);
    const { findDaemon, ExplainClient } = await import('@holdfast/supervisor');
    const s = values.socket;
    const c =
      typeof s === 'string'
        ? /^https?:\/\//.test(s)
          ? new ExplainClient({ url: s, ...(process.env.HOLDFAST_TOKEN ? { token: process.env.HOLDFAST_TOKEN } : {}) })
          : new ExplainClient({ socket: s })
        : new ExplainClient(await findDaemon(typeof values.config === 'string' ? { config: values.config } : {}));
    const r = await c.explain(`${ms}ms`);
    console.log(values.json ? JSON.stringify(r, null, 2) : r.text);
    return r.ranking.candidates[0]?.role === 'cause' ? 3 : 0;
  },
};
