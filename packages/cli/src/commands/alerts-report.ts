// `holdfast alerts report`: per rule, how the alerts it raised went: fired, acknowledged, marked
// not valid, ignored, flapping, time to acknowledge; noisiest first, each with what to do.
import type { RuleReport } from '@holdfast/insight';
import { duration, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { incidentsClient } from './incidents-shared.ts';
import { connectionHelp, connectionOptions, formatDuration } from './supervisor-shared.ts';

const usage = `Usage: holdfast alerts report [--since 7d] [--json]

For every rule that raised incidents in the window: FIRED (opened or reopened), ACKED,
INVALID (marked not valid), IGNORED (resolved by the quiet period, nobody acknowledged),
FLAPPING (back within an hour of resolving), the median time to acknowledge, a NOISE score
(0: every alert was acted on; 1: all noise), and a suggestion: close, tune, review or keep.
Noisy rules first.

Options:
  --since      the window (default 7d)
  --json       {since, rules, store} as JSON
${connectionHelp}`;

export function reportTable(rules: RuleReport[]): string {
  const head = ['RULE', 'FIRED', 'ACKED', 'INVALID', 'IGNORED', 'FLAPPING', 'ACK p50', 'NOISE', 'SUGGESTION'];
  const body = rules.map((r) => [
    r.rule,
    ...[r.fired, r.acknowledged, r.invalid, r.ignored, r.flapping].map(String),
    formatDuration(r.ackMedianMs),
    r.noise.toFixed(2),
    r.suggestion,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const why = rules.filter((r) => r.suggestion !== 'keep').map((r) => `  ${r.rule}: ${r.suggestion}: ${r.why}`);
  return [line(head), ...body.map(line), ...(why.length ? ['', ...why] : [])].join('\n');
}

export const command: Command = {
  path: ['alerts', 'report'],
  summary: 'per alert rule: fired, acknowledged, invalid, time to ack, flapping; noisy rules first',
  usage,
  async run(argv) {
    const { values } = parse(argv, { ...connectionOptions, since: { type: 'string' }, json: { type: 'boolean' } });
    const since = duration('since', values.since, 7 * 86_400_000, 366 * 86_400_000);
    const r = await (await incidentsClient(values)).report(`${since}ms`);
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else {
      console.log(r.rules.length ? reportTable(r.rules) : `no rule raised an incident since ${r.since}`);
      if (!r.store.ok) console.error(`\nthe incident store is failing (${r.store.error}): the report misses what is not written yet`);
    }
    return 0;
  },
};
