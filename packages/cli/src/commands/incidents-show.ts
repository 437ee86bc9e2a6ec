// `holdfast incidents show ID`: one incident in full: what it is, where it came from, what
// happened to it, and every notification about it (also those held back).
import type { HistoryEntry, Incident, NotificationRecord } from '@holdfast/insight';
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { ago, incidentId, incidentsClient } from './incidents-shared.ts';
import { connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast incidents show ID [--json]

Shows one incident: state, classification (rule, category, severity, owner, runbook), how it
is grouped (the fingerprint and its dedup_key), occurrences, its history (opened, acknowledged,
resolved, reopened, marked invalid) and every notification, sent or held back and why.

Options:
  --json       {incident, history, notifications} as JSON
${connectionHelp}`;

const time = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 19);

function resolutionText(i: Incident): string {
  if (!i.resolution) return '';
  const why = i.cause ?? i.invalidReason;
  return ` (${i.resolution}${why ? `: ${why}` : ''})`;
}

function historyLine(h: HistoryEntry): string {
  const after = h.afterMs !== undefined ? ` (after ${Math.round(h.afterMs / 1000)} s)` : '';
  return `    ${time(h.at)}  ${h.what}${h.detail ? `: ${h.detail}` : ''}${after}`;
}

function notificationLine(n: NotificationRecord, id: number): string {
  const action = n.items.find((it) => it.incidentId === id)?.action ?? '';
  const why = n.reason ? ` (${n.reason}${n.releasedIn ? `, sent in #${n.releasedIn}` : ''})` : '';
  return `    ${time(n.createdAt)}  #${n.id} ${n.receiver}: ${action} ${n.status}${why}${n.lastError ? ` last error: ${n.lastError}` : ''}`;
}

/** What the root-cause ranking said while it was open (with the daemon's scrape: section). */
function probableCauseLines(i: Incident): string[] {
  const pc = i.probableCause;
  if (!pc) return [];
  const head =
    `  cause?     ${pc.causes.length ? '' : 'nothing abnormal in the ' + 'metrics '}(ranked ${time(pc.at)} ` +
    `over ${time(pc.from).slice(11)}–${time(pc.to).slice(11)})`;
  return ['', head, ...pc.causes.map((c, n) => `    ${n + 1}. ${c.program} (${c.role}): ${c.why}`)];
}

export function describe(i: Incident, history: HistoryEntry[], notes: NotificationRecord[]): string {
  const runbook = Array.isArray(i.runbook) ? i.runbook.map((s, n) => `\n    ${n + 1}. ${s}`).join('') : (i.runbook ?? '-');
  const lines = [
    `incident ${i.id}  ${i.state.toUpperCase()}${resolutionText(i)}`,
    `  ${i.summary}`,
    '',
    `  severity   ${i.severity}`,
    `  category   ${i.category}`,
    `  rule       ${i.rule}`,
    `  owner      ${i.owner ?? '-'}`,
    `  program    ${i.program ?? '-'}`,
    `  action     ${i.action}`,
    `  runbook    ${runbook}`,
    `  grouped by ${i.grouping.rule} (v${i.grouping.version}): ${i.grouping.components.join(' | ') || '-'}`,
    `  dedup_key  ${i.dedupKey}`,
    `  count      ${i.count}, first ${time(i.firstSeen)}, last ${time(i.lastSeen)} (${ago(i.lastSeen)})`,
    ...(i.reopened ? [`  reopened   ${i.reopened}×`] : []),
    ...probableCauseLines(i),
    '',
    '  recent:',
    ...i.recent.map((r) => `    ${time(r.at)}  ${r.instance ? `${r.instance}  ` : ''}${r.summary.slice(0, 160)}`),
    '',
    '  history:',
    ...history.map(historyLine),
    '',
    '  notifications:',
    ...(notes.length ? notes.map((n) => notificationLine(n, i.id)) : ['    none']),
  ];
  return lines.join('\n');
}

export const command: Command = {
  path: ['incidents', 'show'],
  summary: 'show one incident: classification, grouping, history, notifications',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions, json: { type: 'boolean' } }, { positionals: true });
    const id = incidentId(positionals);
    const r = await (await incidentsClient(values)).show(id);
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else console.log(describe(r.incident, r.history, r.notifications));
    return 0;
  },
};
