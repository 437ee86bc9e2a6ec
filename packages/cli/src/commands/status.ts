// `holdfast status`: every instance with state, pid, uptime, restarts, CPU, memory and why it last
// ended, and the request protection that depends on more than one process (guard-table.ts).
import type { InstanceStatus } from '@holdfast/supervisor';
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { guardTable } from './guard-table.ts';
import { client, connectionHelp, connectionOptions, formatBytes, formatDuration, isUp, statusTable } from './supervisor-shared.ts';

const usage = `Usage: holdfast status [<program|instance|group>...] [--json]

Shows each instance: STATE (STOPPED, STARTING, READY, BACKOFF, STOPPING, EXITED, FATAL), PID,
UPTIME, RESTARTS, CPU (since the previous status), MEM, and the LAST EXIT reason (exit code,
signal, OOM-killed, liveness, ready-timeout, spawn error) or what it is waiting for.
Exit code: 0 when every shown instance is READY or EXITED cleanly, 3 otherwise.

For programs that serve guard metrics (an announced metrics address, or dashboard.guard), a
second table shows each cluster rule's MODE (cluster; local fallback while the store is down,
with the share it enforces: threshold ÷ live replicas) and each adaptive rule's learned LIMIT
with its bounds. Metrics that do not answer within 50 ms show the last values read and their
age, or "metrics unreachable: <why>"; the status never waits longer for them (and not at all
for an instance whose last read timed out).

Options:
  --json                the daemon's full status report as JSON (the guard table under .guard)
${connectionHelp}

Examples:
  holdfast status
  holdfast status web worker:2 -c holdfast.yaml
  holdfast status --json | jq '.programs[] | select(.state != "READY")'
  holdfast status --json | jq '.guard[].instances[].rules[] | select(.mode == "fallback")'`;

export const command: Command = {
  path: ['status'],
  summary: 'show every program: state, pid, uptime, restarts, CPU, memory, last exit',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions, json: { type: 'boolean' } }, { positionals: true });
    const c = await client(values);
    const report = await c.status(undefined, { guard: true });
    const named = (i: InstanceStatus) => positionals.some((p) => i.id === p || i.program === p || i.group === p);
    const rows = positionals.length ? report.programs.filter(named) : report.programs;
    if (positionals.length && rows.length === 0) {
      const known = [...new Set(report.programs.map((i) => i.program))];
      console.error(`no program, instance or group named ${positionals.join(', ')} (known: ${known.join(', ')})`);
      return 1;
    }
    const shown = new Set(rows.map((r) => r.id));
    const guard = (report.guard ?? [])
      .map((g) => ({ ...g, instances: g.instances.filter((i) => shown.has(i.id)) }))
      .filter((g) => g.instances.length > 0);
    if (values.json) console.log(JSON.stringify({ ...report, programs: rows, guard }, null, 2));
    else {
      const d = report.daemon;
      console.log(statusTable(rows));
      const protection = guardTable(guard);
      if (protection) console.log(`\n${protection}`);
      const cgroups = d.cgroups.enabled ? d.cgroups.description : `no cgroups (${d.cgroups.reason})`;
      console.log(`\ndaemon pid ${d.pid}, up ${formatDuration(d.uptimeMs)}, ${formatBytes(d.rssBytes)} RSS, ${cgroups}`);
      const sockets = Object.entries(d.sockets ?? {});
      const listening = sockets.map(([p, a]) => `${p} ${a.join(' ')}`).join(', ');
      if (sockets.length) console.log(`listening (shared by each program's instances): ${listening}`);
      const inc = d.incidents;
      if (inc) {
        const since = new Date(inc.store.failingSince ?? 0).toISOString();
        const store = inc.store.ok ? 'store ok' : `STORE FAILING since ${since}: ${inc.store.error}`;
        console.log(`incidents: ${inc.open} open, ${inc.acknowledged} acknowledged (holdfast incidents); ${store}`);
      }
    }
    return rows.every(isUp) ? 0 : 3;
  },
};
