// A process contending for leadership on a shared local-coordinator directory: each time it
// wins it logs "start <token> <monotonic ms>", holds for a moment with keep-alives, logs
// "end …" and resigns. The test checks the logs of all contenders for overlaps.
// Usage: node local-contender.ts <dir> <name> <rounds|hold> <log file>
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalCoordinator } from '../../src/coordinator/local.ts';
import { monotonicMs } from '../../src/clock.ts';

const [dir, name, rounds, log] = process.argv.slice(2) as [string, string, string, string];
const c = new LocalCoordinator({ dir, cluster: 'stress', ttlMs: 2000 });
await c.connect();
if (rounds === 'hold') {
  // Win once and keep the lease alive until killed.
  for (;;) {
    const r = await c.campaign({ node: name, priority: 1 });
    if (r.won) {
      process.stdout.write(`leading ${r.term.token}\n`);
      for (;;) {
        await c.keepAlive(r.term);
        await sleep(200);
      }
    }
    await sleep(50);
  }
}
let wins = 0;
for (let i = 0; wins < Number(rounds) && i < 10_000; i++) {
  const r = await c.campaign({ node: name, priority: 1 });
  if (!r.won) {
    await sleep(Math.random() * 3);
    continue;
  }
  wins++;
  appendFileSync(log, `start ${r.term.token} ${monotonicMs()} ${name}\n`);
  process.stdout.write(`leading ${r.term.token}\n`);
  for (let k = 0; k < 2; k++) {
    await sleep(Math.random() * 2);
    await c.keepAlive(r.term);
  }
  appendFileSync(log, `end ${r.term.token} ${monotonicMs()} ${name}\n`);
  await c.resign(r.term);
}
process.stdout.write(`done ${wins}\n`);
