// The whole mining pipeline (ProgramMiner) over bench:insight's mix of JSON and plain lines, under
// whatever V8 flags it is run with; prints lines per CPU-second. How the daemon's choice of lite
// mode was measured (docs/log-mining.md), e.g. as the daemon runs:
//   node --single-threaded --lite-mode --import ./bench/lib/lite-loader.js bench/lib/mine-rate.ts 200000
// With `annotate` after the count, the chunks go through the daemon's TemplateAnnotator instead
// (what `logs.templateId` costs: the template id written into each JSON line, docs/log-shipping.md).
import { ProgramMiner } from '@holdfast/insight';
import { TemplateAnnotator } from '@holdfast/supervisor';
import { syntheticLines } from '@holdfast/testkit/synthetic-logs';

const n = Number(process.argv[2] ?? 200_000);
const annotate = process.argv[3] === 'annotate';
const lines = syntheticLines(n);
const chunks: Buffer[] = [];
for (let i = 0; i < lines.length; i += 500) chunks.push(Buffer.from(lines.slice(i, i + 500).join('')));
let annotated = 0;
const run = () => {
  const pm = new ProgramMiner();
  if (!annotate) {
    for (const c of chunks) pm.write(c);
    pm.end();
    return pm;
  }
  const stream = pm.stream();
  const a = new TemplateAnnotator(
    { field: 'template_id', textField: false },
    // No share and no turn limit here: every line is mined, as a daemon with room to spare does.
    { stream: () => stream, allow: () => true, charge: () => {}, before: () => {}, release: () => {}, maxLineBytes: 65536, now: () => 0 },
  );
  for (const c of chunks) a.write(c);
  stream.end();
  annotated = a.annotated;
  return pm;
};
run(); // warm-up
const c0 = process.cpuUsage();
run();
const c = process.cpuUsage(c0);
console.log(
  JSON.stringify({
    lines: n,
    ...(annotate ? { annotated } : {}),
    cpuMs: (c.user + c.system) / 1000,
    rate: Math.round(n / ((c.user + c.system) / 1e6)),
    rss: process.memoryUsage.rss(),
  }),
);
