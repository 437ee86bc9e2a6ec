#!/usr/bin/env node
// `npm run bench:insight`: the log template miner on the 8 labelled Loghub-2k systems (grouping
// accuracy GA, FGA and parsing accuracy PA, scored as logpai's evaluator does), beside Drain
// written from the paper and run in the same process on the same messages, and beside the
// published Drain and Brain figures; then throughput on one core (the 8 systems concatenated, and
// a 1M-line mix of JSON, logfmt and plain lines through the whole pipeline) and the template
// table's memory.
//
// Options: --data <dir> (else $LOGHUB_2K, else ../shared/loghub-2k beside the repository),
// --quick (fewer rounds, a 200k-line mix).
//
// Throughput runs with --single-threaded (no concurrent GC or compiler threads): the figure is
// what one core does. Time is the process's CPU time, median of rounds, so other work on a shared
// machine does not count against it; wall-clock rates are kept in the JSON too.
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ProgramMiner, TemplateMiner } from '@holdfast/insight';
import { Drain } from './lib/drain.ts';
import { PUBLISHED_GA, SYSTEMS, loadSystem, loghubDir, score, type Labelled, type Scores } from '@holdfast/testkit/loghub';
import { median, table, writeReport } from './lib/report.ts';
import { syntheticLines } from '@holdfast/testkit/synthetic-logs';

if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', '--single-threaded', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const gc = globalThis.gc as () => void;

const { values } = parseArgs({ options: { data: { type: 'string' }, quick: { type: 'boolean' } } });
const quick = values.quick ?? false;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s: string) => process.stderr.write(`${s}\n`);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

let data: Labelled[];
try {
  const dir = loghubDir(repoRoot, values.data);
  log(`Loghub-2k from ${dir}`);
  data = SYSTEMS.map((s) => loadSystem(dir, s));
} catch (err) {
  console.error(`bench:insight: ${(err as Error).message}`);
  process.exit(1);
}

const loadBefore = loadavg()[0]!;

// ---- accuracy ----
interface Row {
  system: string;
  holdfast: Scores;
  holdfastRaw: Scores;
  drain: Scores;
  published: { drain: number; brain: number };
}
const rows: Row[] = [];
for (const d of data) {
  const m = new TemplateMiner();
  const ids = d.contents.map((c) => m.add(c).id);
  const holdfast = score(
    d.templates,
    ids.map((id) => m.get(id)!.text),
  );
  const rawIds: string[] = [];
  const pm = new ProgramMiner({ multiline: false, detector: false }, { onMined: (x) => rawIds.push(x.result.id) });
  for (const l of d.lines) pm.line(l);
  const holdfastRaw = score(
    d.templates,
    rawIds.map((id) => pm.miner.get(id)!.text),
  );
  const drain = new Drain();
  const dids = d.contents.map((c) => drain.add(c));
  const drainScores = score(
    d.templates,
    dids.map((id) => drain.template(id)),
  );
  rows.push({ system: d.system, holdfast, holdfastRaw, drain: drainScores, published: PUBLISHED_GA[d.system] });
  log(
    `${d.system.padEnd(8)} ` +
      `GA ${holdfast.ga.toFixed(3)} (raw ` +
      `lines ${holdfastRaw.ga.toFixed(3)}, ` +
      `Drain ${drainScores.ga.toFixed(3)})  FGA ${holdfast.fga.toFixed(3)}  PA ${holdfast.pa.toFixed(3)}`,
  );
}
const avg = (f: (r: Row) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;

// ---- throughput ----
const messages = data.flatMap((d) => d.contents);
const ROUNDS = quick ? 3 : 7;
const REPEAT = 10;

function measure(fn: () => void, rounds: number): { cpu: number; wall: number } {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < rounds; i++) {
    gc();
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    fn();
    const w = performance.now() - w0;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    wall.push(w);
  }
  return { cpu: median(cpu), wall: median(wall) };
}
const rate = (lines: number, ms: number) => Math.round((lines / ms) * 1000);

log(`throughput: ${messages.length} messages × ${REPEAT}, ${ROUNDS} rounds each`);
// Warm-up: compile the hot paths before measuring.
for (let i = 0; i < 3; i++) {
  const m = new TemplateMiner();
  for (const x of messages) m.add(x);
  const d = new Drain();
  for (const x of messages) d.add(x);
}
const steady = measure(() => {
  const m = new TemplateMiner();
  for (let k = 0; k < REPEAT; k++) for (const x of messages) m.add(x);
}, ROUNDS);
const cold = measure(() => {
  const m = new TemplateMiner();
  for (const x of messages) m.add(x);
}, ROUNDS * 3);
const drainSteady = measure(() => {
  const d = new Drain();
  for (let k = 0; k < REPEAT; k++) for (const x of messages) d.add(x);
}, ROUNDS);
const drainCold = measure(() => {
  const d = new Drain();
  for (const x of messages) d.add(x);
}, ROUNDS * 3);

const MIX = quick ? 200_000 : 1_000_000;
log(`throughput: a ${MIX.toLocaleString('en')}-line mix of JSON, logfmt and plain lines, whole pipeline`);
const mixLines = syntheticLines(MIX);
const chunks: Buffer[] = [];
{
  let acc: string[] = [];
  let size = 0;
  for (const l of mixLines) {
    acc.push(l);
    size += l.length;
    if (size >= 64 * 1024) {
      chunks.push(Buffer.from(acc.join('')));
      acc = [];
      size = 0;
    }
  }
  if (acc.length) chunks.push(Buffer.from(acc.join('')));
}
const mixBytes = chunks.reduce((a, b) => a + b.length, 0);
let mixTemplates = 0;
let mixEvents = 0;
// Warm-up, as for the figures above: the pipeline's line readers (JSON, logfmt, plain headers)
// are compiled before the clock starts, on a tenth of the mix (measured cold, the first round of
// the 200k mix ran at about 0.8 of the warm rate).
{
  const pm = new ProgramMiner();
  for (const c of chunks.slice(0, Math.ceil(chunks.length / 10))) pm.write(c);
  pm.end();
}
const mix = measure(
  () => {
    const pm = new ProgramMiner();
    for (const c of chunks) pm.write(c);
    pm.end();
    mixTemplates = pm.miner.size;
    mixEvents = pm.stats.mined;
  },
  quick ? 1 : 3,
);

// ---- memory ----
function heapOf(build: () => unknown): number {
  gc();
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const kept = build();
  gc();
  gc();
  const h1 = process.memoryUsage().heapUsed;
  if (!kept) throw new Error('nothing built');
  return h1 - h0;
}
let loghubTemplates = 0;
const loghubHeap = heapOf(() => {
  const m = new TemplateMiner();
  for (const x of messages) m.add(x);
  loghubTemplates = m.size;
  return m;
});
const drainHeap = heapOf(() => {
  const d = new Drain();
  for (const x of messages) d.add(x);
  return d;
});
// At the cap: 60,000 distinct shapes (each its own first word, 4 to 12 tokens) through a miner
// that keeps 5,000.
const word = (i: number) => {
  let w = '';
  for (let k = i + 1; k > 0; k = Math.floor(k / 26)) w += String.fromCharCode(97 + (k % 26));
  return w;
};
let capped = 0;
let shapes = 0;
const cappedHeap = heapOf(() => {
  const m = new TemplateMiner({ maxTemplates: 5000 });
  for (let i = 0; i < 60_000; i++) {
    const tail = Array.from({ length: 3 + (i % 10) }, (_, k) => (k % 3 === 2 ? String(i * 7 + k) : word(i * 13 + k)));
    m.add(`${word(i)}Event ${tail.join(' ')}`);
  }
  capped = m.size;
  shapes = m.size + m.evicted;
  return m;
});

const loadAfter = loadavg()[0]!;
// The machine is shared: a load average above its cores marks the rates provisional (accuracy
// and memory do not depend on it; the rates do, by ±30 % or more).
const cores = availableParallelism();
const provisional = Math.max(loadBefore, loadAfter) > cores;

// ---- report ----
const summary = {
  provisional,
  ga_avg: r3(avg((r) => r.holdfast.ga)),
  pa_avg: r3(avg((r) => r.holdfast.pa)),
  fga_avg: r3(avg((r) => r.holdfast.fga)),
  lines_per_s: rate(messages.length * REPEAT, steady.cpu),
  lines_per_s_first_pass: rate(messages.length, cold.cpu),
  lines_per_s_mix: rate(MIX, mix.cpu),
  ga_avg_raw_lines: r3(avg((r) => r.holdfastRaw.ga)),
  drain_ga_avg: r3(avg((r) => r.drain.ga)),
  drain_pa_avg: r3(avg((r) => r.drain.pa)),
  published_drain_ga_avg: r3(avg((r) => r.published.drain)),
  published_brain_ga_avg: r3(avg((r) => r.published.brain)),
  speed_vs_drain: r3(drainSteady.cpu / steady.cpu),
  template_table_kib: Math.round(loghubHeap / 1024),
};
const f3 = (x: number) => x.toFixed(3);
const accuracyTable = table(
  [
    'system',
    'GA',
    'FGA',
    'PA',
    'GA, raw lines (header found)',
    'Drain GA (this run)',
    'Drain PA (this run)',
    'Drain GA (published)',
    'Brain GA (published)',
    'templates found / true',
  ],
  [
    ...rows.map((r) => [
      r.system,
      f3(r.holdfast.ga),
      f3(r.holdfast.fga),
      f3(r.holdfast.pa),
      f3(r.holdfastRaw.ga),
      f3(r.drain.ga),
      f3(r.drain.pa),
      f3(r.published.drain),
      f3(r.published.brain),
      `${r.holdfast.found} / ${r.holdfast.truth}`,
    ]),
    [
      '**average**',
      `**${f3(summary.ga_avg)}**`,
      f3(summary.fga_avg),
      `**${f3(summary.pa_avg)}**`,
      f3(summary.ga_avg_raw_lines),
      f3(summary.drain_ga_avg),
      f3(summary.drain_pa_avg),
      f3(summary.published_drain_ga_avg),
      f3(summary.published_brain_ga_avg),
      '',
    ],
  ],
);
const speedTable = table(
  ['workload', 'holdfast lines/s (CPU)', 'Drain lines/s (CPU)', 'holdfast ÷ Drain', 'holdfast lines/s (wall)'],
  [
    [
      `8 systems concatenated (${messages.length.toLocaleString('en')} messages) × ${REPEAT}, fresh miner`,
      summary.lines_per_s.toLocaleString('en'),
      rate(messages.length * REPEAT, drainSteady.cpu).toLocaleString('en'),
      `${(drainSteady.cpu / steady.cpu).toFixed(2)}×`,
      rate(messages.length * REPEAT, steady.wall).toLocaleString('en'),
    ],
    [
      '8 systems concatenated, first pass only (every template new)',
      summary.lines_per_s_first_pass.toLocaleString('en'),
      rate(messages.length, drainCold.cpu).toLocaleString('en'),
      `${(drainCold.cpu / cold.cpu).toFixed(2)}×`,
      rate(messages.length, cold.wall).toLocaleString('en'),
    ],
    [
      `${MIX.toLocaleString('en')}-line mix, bytes → lines → JSON/logfmt/header → miner → detector`,
      summary.lines_per_s_mix.toLocaleString('en'),
      '–',
      '–',
      rate(MIX, mix.wall).toLocaleString('en'),
    ],
  ],
);
const memTable = table(
  ['template table', 'templates', 'heap KiB', 'bytes per template'],
  [
    ['holdfast, 8 systems concatenated', loghubTemplates, Math.round(loghubHeap / 1024), Math.round(loghubHeap / loghubTemplates)],
    ['Drain, same messages', '–', Math.round(drainHeap / 1024), '–'],
    [
      `holdfast at its cap (${shapes.toLocaleString('en')} templates made, maxTemplates 5,000)`,
      capped,
      Math.round(cappedHeap / 1024),
      Math.round(cappedHeap / capped),
    ],
  ],
);
const markdown =
  `${
    provisional
      ? `**Provisional rates**: measured on a shared machine with a 1-minute load average ` +
        (`of up to ${Math.max(loadBefore, loadAfter).toFixed(1)} ` +
          `on ${cores} cores (other engineers' test runs); the ` +
          `accuracy and memory figures do not depend on it, the lines per second do. Re-run on a quiet machine ` +
          `before quoting them.\n\n`)
      : ''
  }${accuracyTable}

GA, FGA and PA as logpai's evaluator defines them (loghub-2.0 \`evaluator.py\`, \`PA_calculator.py\`; PA after ` +
  `normalising whitespace and \`<*><*>\`), on the 8 labelled Loghub-2k systems in \`../shared/loghub-2k\` ` +
  `(the issue's targets: GA ≥ 0.95 on average, PA ≥ 0.70). One set of defaults for every system, no ` +
  `per-dataset rule. "Raw lines" feeds the whole log line and lets the miner find the header itself. Drain ` +
  `is written from its paper (bench/lib/drain.ts) with Drain3's defaults (depth 4, similarity 0.4) and no ` +
  `per-dataset regex, measured here on the same messages; the published figures (logpai/logparser, ` +
  `Loghub-2k) used per-dataset regexes and thresholds. Brain is offline (it sees all lines before grouping); ` +
  `holdfast's miner is online, one line at a time.

${speedTable}

Lines per second of CPU time under \`--single-threaded\` (one core), median ` +
  `of ${ROUNDS} rounds, on a shared 2-core ` +
  `machine (load ` +
  (`average ${loadBefore.toFixed(1)} at the ` +
    `start, ${loadAfter.toFixed(1)} at the end: CPU time keeps other processes' ` +
    `time out, not their effect on caches and hyper-threads); the mix ` +
    (`holds ${MIX.toLocaleString('en')} lines ` +
      `(${(mixBytes / 2 ** 20).toFixed(0)} ` +
      `MiB, ${mixTemplates} templates ` +
      (`found, ${mixEvents.toLocaleString('en')} events mined). ` +
        `**${summary.lines_per_s.toLocaleString('en')} lines/s** on the Loghub messages and ` +
        `**${summary.lines_per_s_mix.toLocaleString('en')} lines/s** through the whole pipeline on the mix (target ` +
        `≥ 300,000 for ` +
        `both: ${summary.lines_per_s >= 300_000 ? 'met' : 'not met'} ` +
        `and ${summary.lines_per_s_mix >= 300_000 ? 'met' : 'not met'} in this run). The miner runs ` +
        `at ${summary.speed_vs_drain.toFixed(2)}× the rate of Drain in the same run: Drain only splits on spaces ` +
        `and compares tokens, while holdfast masks values inside tokens on every line and builds its cache key ` +
        `from the masked text. In the mix, reading the lines (splitting, JSON, logfmt, plain headers, stack traces) ` +
        `takes about a third of the CPU time and mining the rest (\`node --cpu-prof\`); the mix is measured after a ` +
        `warm-up on a tenth of it, as the Loghub figures are. The ` +
        `machine's load moves these rates by ±30 % from run to run (the accuracy figures do not move).

${memTable}

Heap after a full GC with the miner kept, minus before; includes the exact-match cache.`)));

const file = writeReport({
  name: 'insight',
  title: 'Log template mining (bench:insight)',
  summary,
  details: {
    systems: rows.map((r) => ({
      system: r.system,
      holdfast: r.holdfast,
      holdfast_raw_lines: r.holdfastRaw,
      drain_this_run: r.drain,
      published: r.published,
    })),
    throughput: {
      rounds: ROUNDS,
      repeat: REPEAT,
      messages: messages.length,
      steady_ms: steady,
      first_pass_ms: cold,
      drain_steady_ms: drainSteady,
      drain_first_pass_ms: drainCold,
      mix: { lines: MIX, bytes: mixBytes, ms: mix, templates: mixTemplates, mined: mixEvents, lines_per_s_wall: rate(MIX, mix.wall) },
    },
    memory: {
      loghub_templates: loghubTemplates,
      loghub_heap_bytes: loghubHeap,
      drain_heap_bytes: drainHeap,
      capped_templates: capped,
      capped_heap_bytes: cappedHeap,
    },
    quick,
    load_average: { start: loadBefore, end: loadAfter },
  },
  markdown,
});
console.log(JSON.stringify(summary, null, 2));
log(`wrote ${file} and docs/benchmarks.md`);
