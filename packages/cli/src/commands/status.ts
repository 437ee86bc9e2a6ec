// `holdfast status`: every instance with state, pid, uptime, restarts, CPU, memory and why it last ended.
import type { Command } from '../command.ts';
import { client, connectionHelp, formatBytes, formatDuration, parse, statusTable } from './supervisor-shared.ts';

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
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
    const c = await client(values);
    const report = await c.status();
    const rows = positionals.length ? report.programs.filter((i) => positionals.some((p) => i.id === p || i.program === p || i.group === p)) : report.programs;
    if (positionals.length && rows.length === 0) {
      console.error(`no program, instance or group named ${positionals.join(', ')} (known: ${[...new Set(report.programs.map((i) => i.program))].join(', ')})`);
      return 1;
    }
    if (values.json) console.log(JSON.stringify({ ...report, programs: rows }, null, 2));
    else {
      const d = report.daemon;
      console.log(statusTable(rows));
      console.log(`\ndaemon pid ${d.pid}, up ${formatDuration(d.uptimeMs)}, ${formatBytes(d.rssBytes)} RSS, ${d.cgroups.enabled ? d.cgroups.description : `no cgroups (${d.cgroups.reason})`}`);
      const sockets = Object.entries(d.sockets ?? {});
      if (sockets.length) console.log(`listening (shared by each program's instances): ${sockets.map(([p, a]) => `${p} ${a.join(' ')}`).join(', ')}`);
    }
    return rows.every((i) => i.state === 'READY' || (i.state === 'EXITED' && i.lastExit?.reason === 'exited')) ? 0 : 3;
  },
};
