// The whole mining pipeline (ProgramMiner) over bench:insight's mix of JSON and plain lines, under
// whatever V8 flags it is run with; prints lines per CPU-second. How the daemon's choice of lite
// mode was measured (docs/log-mining.md), e.g. as the daemon runs:
//   node --single-threaded --lite-mode --import ./bench/lib/lite-loader.js bench/lib/mine-rate.ts 200000
import { ProgramMiner } from '@holdfast/insight';
import { syntheticLines } from '@holdfast/testkit/synthetic-logs';

const n = Number(process.argv[2] ?? 200_000);
const lines = syntheticLines(n);
const chunks: Buffer[] = [];
for (let i = 0; i < lines.length; i += 500) chunks.push(Buffer.from(lines.slice(i, i + 500).join('')));
const run = () => {
  const pm = new ProgramMiner();
  for (const c of chunks) pm.write(c);
  pm.end();
  return pm;
};
run(); // warm-up
const c0 = process.cpuUsage();
run();
const c = process.cpuUsage(c0);
console.log(
  JSON.stringify({
    lines: n,
    cpuMs: (c.user + c.system) / 1000,
    rate: Math.round(n / ((c.user + c.system) / 1e6)),
    rss: process.memoryUsage.rss(),
  }),
);
