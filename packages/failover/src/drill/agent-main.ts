#!/usr/bin/env node
// Runs one failover agent from a config file, as `holdfast failover -c <file>` does: the drill
// uses it when no CLI command line is given (tests of this package, which must not depend on
// the CLI package). Logs and events go to stdout as JSON lines; SIGTERM/SIGINT stop it cleanly.
// Usage: node agent-main.ts <config.json|yaml>
import { FailoverAgent } from '../agent.ts';
import { loadClusterConfig } from '../config.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: agent-main.ts <cluster config file>');
  process.exit(2);
}
const agent = new FailoverAgent({ config: loadClusterConfig(file), configFile: file });
let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
try {
  await agent.start();
} catch (err) {
  const e = err as Error & { code?: string };
  console.error(`${e.code ? `[${e.code}] ` : ''}${e.message}`);
  process.exit(1);
}
