// `holdfast status`: every instance with state, pid, uptime, restarts, CPU, memory and why it last ended.
import type { InstanceStatus } from '@holdfast/supervisor';
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { client, connectionHelp, connectionOptions, formatBytes, formatDuration, isUp, statusTable } from './supervisor-shared.ts';

const usage = `Usage: holdfast status [<program|instance|group>...] [--json]

Shows each instance: STATE (STOPPED, STARTING, READY, BACKOFF, STOPPING, EXITED, FATAL), PID,
UPTIME, RESTARTS, CPU (since the previous status), MEM, and the LAST EXIT reason (exit code,
signal, OOM-killed, liveness, ready-timeout, spawn error) or what it is waiting for.
Exit code: 0 when every shown instance is READY or EXITED cleanly, 3 otherwise.

Options:
  --json                the daemon's full status report as JSON
${connectionHelp}

Examples:
  holdfast status
  holdfast status web worker:2 -c holdfast.yaml
  holdfast status --json | jq '.programs[] | select(.state != "READY")'`;

export const command: Command = {
  path: ['status'],
  summary: 'show every program: state, pid, uptime, restarts, CPU, memory, last exit',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions, json: { type: 'boolean' } }, { positionals: true });
    const c = await client(values);
    const report = await c.status();
    const named = (i: InstanceStatus) => positionals.some((p) => i.id === p || i.program === p || i.group === p);
    const rows = positionals.length ? report.programs.filter(named) : report.programs;
    if (positionals.length && rows.length === 0) {
      const known = [...new Set(report.programs.map((i) => i.program))];
      console.error(`no program, instance or group named ${positionals.join(', ')} (known: ${known.join(', ')})`);
      return 1;
    }
    if (values.json) console.log(JSON.stringify({ ...report, programs: rows }, null, 2));
    else {
      const d = report.daemon;
      console.log(statusTable(rows));
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
