// `holdfast dashboard`: prints a one-time sign-in link to the live dashboard the supervisor
// daemon serves (its config's `dashboard:` section). The link carries a code that signs one
// browser in, once, within two minutes; the browser then keeps a session cookie.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { client, connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast dashboard [--json]

Prints a link that signs a browser in to the dashboard the daemon serves: programs, log
patterns, incidents, request protection (with its rules editable), failover and alerts, live.
The link works once, within two minutes; the browser then stays signed in for the config's
dashboard.sessionTtlMs (12 h by default). Run it again for another browser.

The daemon serves the dashboard when its config has a dashboard: section, e.g.
  dashboard: {port: 3010}          # on 127.0.0.1 unless host: says otherwise
(docs/dashboard.md).

Options:
  --json                {"url", "expiresAt"}
${connectionHelp}

Examples:
  holdfast dashboard -c holdfast.yaml
  xdg-open "$(holdfast dashboard -c holdfast.yaml --json | jq -r .url)"`;

export const command: Command = {
  path: ['dashboard'],
  summary: 'print a one-time sign-in link to the live dashboard',
  usage,
  async run(argv) {
    const { values } = parse(argv, { ...connectionOptions, json: { type: 'boolean' } });
    const c = await client(values);
    const link = await c.dashboardLogin();
    if (values.json) console.log(JSON.stringify(link));
    else {
      const until = new Date(link.expiresAt).toLocaleTimeString();
      console.log(`dashboard: ${link.url}\n  open it in a browser before ${until}: the link signs one browser in, once`);
    }
    return 0;
  },
};
