// `holdfast logs patterns [FILE|-]`: mine a log file or standard input into templates, without a
// daemon. With --ids, one template id per input line (so any evaluator can score the grouping).
import { createReadStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  LineSplitter,
  ProgramMiner,
  TemplateMiner,
  levelName,
  restoreState,
  saveState,
  type ProgramMinerState,
  type Template,
} from '@holdfast/insight';
import { integer, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: holdfast logs patterns [FILE|-] [--json] [--ids] [options]

Mines a log file, or standard input ('-' or no FILE), into templates without a daemon: each
message's variable parts become <*>, and messages of one template share an id. JSON lines (pino,
bunyan, slog, zap, structlog) and logfmt are mined on their message with the level kept; plain
lines have their header (timestamp, level, pid, logger) set aside; stack traces are one event.

Options:
  --json                 print the templates as JSON (counts, level, first/last line, example)
  --ids                  read one message per line as is (no header, JSON or stack handling) and
                         print one template id per input line, in order, after the input ends
                         (final ids: lines of a template that generalised later get its id)
  --header <H>           'auto' (default), 'none', or a format such as
                         '<Date> <Time> <Level> <Component>: <Content>'
  --state <FILE>         load templates from FILE when it exists, save them back at the end:
                         ids stay the same from one run to the next
  --top <N>              print only the N most frequent templates (text output)
  --max-templates <N>    keep at most N templates, least recently seen evicted (default 5000)
  --max-line-bytes <N>   cut longer lines (default 65536); cut lines are counted
  --no-multiline         do not fold stack traces

Examples:
  holdfast logs patterns /var/log/app.log --top 20
  kubectl logs deploy/web | holdfast logs patterns - --json
  cut -d, -f7 messages.csv | holdfast logs patterns --ids > ids.txt`;

interface Options {
  json: boolean;
  ids: boolean;
  header: string;
  state: string | undefined;
  top: number;
  maxTemplates: number;
  maxLineBytes: number;
  multiline: boolean;
}

export const command: Command = {
  path: ['logs', 'patterns'],
  summary: 'mine a log file or stdin into templates (no daemon); --ids for one id per line',
  usage,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      {
        json: { type: 'boolean' },
        ids: { type: 'boolean' },
        header: { type: 'string' },
        state: { type: 'string' },
        top: { type: 'string' },
        'max-templates': { type: 'string' },
        'max-line-bytes': { type: 'string' },
        'no-multiline': { type: 'boolean' },
      },
      { positionals: true },
    );
    if (positionals.length > 1) throw new UsageError(`give one FILE (or '-' for standard input), not ${positionals.length}`);
    const header = values.header ?? 'auto';
    if (header !== 'auto' && header !== 'none' && !header.includes('<Content>'))
      throw new UsageError(
        `--header takes 'auto', 'none' or a format with <Content>, e.g. '<Date> <Time> <Level> <Component>: <Content>'; got '${header}'`,
      );
    if (values.ids && values.header !== undefined) throw new UsageError('--ids reads each line as one message; --header does not apply');
    const o: Options = {
      json: values.json ?? false,
      ids: values.ids ?? false,
      header,
      state: values.state,
      top: integer('top', values.top, 0, 1, 1_000_000),
      maxTemplates: integer('max-templates', values['max-templates'], 5000, 1, 10_000_000),
      maxLineBytes: integer('max-line-bytes', values['max-line-bytes'], 64 * 1024, 64, 64 * 1024 * 1024),
      multiline: !values['no-multiline'],
    };
    const file = positionals[0] ?? '-';
    const input = open(file);
    const saved = o.state ? loadState(o.state) : undefined;
    return o.ids ? await runIds(input, o, saved) : await runPatterns(input, file, o, saved);
  },
};

function open(file: string): Readable {
  if (file === '-') return process.stdin;
  if (!existsSync(file)) throw new Error(`cannot read '${file}': no such file`);
  return createReadStream(file);
}

function loadState(file: string): ProgramMinerState | undefined {
  if (!existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--state ${file}: not JSON (${(err as Error).message}); move it away or give another file`, { cause: err });
  }
  const d = data as Partial<ProgramMinerState>;
  if (typeof d !== 'object' || d === null || !('miner' in d))
    throw new Error(`--state ${file}: not a holdfast template state (no 'miner' field)`);
  return { miner: d.miner!, detector: null };
}

function writeState(file: string, state: ProgramMinerState): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state) + '\n');
  renameSync(tmp, file);
}

/** Progress on a terminal: lines read and templates so far, twice a second. */
function progress(read: () => string): () => void {
  if (!process.stderr.isTTY) return () => {};
  const timer = setInterval(() => process.stderr.write(`\r${read()}`), 500);
  return () => {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  };
}

async function runIds(input: Readable, o: Options, saved: ProgramMinerState | undefined): Promise<number> {
  const miner = saved ? restoreState(saved.miner, { maxTemplates: o.maxTemplates }) : new TemplateMiner({ maxTemplates: o.maxTemplates });
  const splitter = new LineSplitter(o.maxLineBytes, { keepBinary: true });
  const ids: string[] = [];
  const onLine = (line: string) => ids.push(miner.add(line).id);
  const stop = progress(() => `${ids.length} lines, ${miner.size} templates`);
  try {
    for await (const chunk of input) splitter.push(chunk as Buffer, onLine);
    splitter.end(onLine);
  } finally {
    stop();
  }
  // Final ids: a template that absorbed others answers for their lines too.
  const out: string[] = ids.map((id) => miner.resolve(id) ?? id);
  await write(out.length ? out.join('\n') + '\n' : '');
  if (o.state) writeState(o.state, { miner: saveState(miner), detector: null });
  reportBadInput(splitter.stats);
  return 0;
}

async function runPatterns(input: Readable, file: string, o: Options, saved: ProgramMinerState | undefined): Promise<number> {
  const pm = new ProgramMiner(
    { miner: { maxTemplates: o.maxTemplates }, header: o.header, multiline: o.multiline, maxLineBytes: o.maxLineBytes, detector: false },
    {},
    saved,
  );
  const stop = progress(() => `${pm.stats.lines} lines, ${pm.miner.size} templates`);
  try {
    for await (const chunk of input) pm.write(chunk as Buffer);
    pm.end();
  } finally {
    stop();
  }
  const templates = pm.miner.templates().sort((a, b) => b.count - a.count || a.seq - b.seq);
  const stats = pm.stats;
  if (o.json) {
    await write(
      JSON.stringify(
        {
          source: file === '-' ? 'stdin' : file,
          stats: { ...stats, templates: templates.length, evicted: pm.miner.evicted },
          templates: templates.map(describe),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    const shown = o.top ? templates.slice(0, o.top) : templates;
    const rows = shown.map((t) => [String(t.count), t.id, levelName(t.level) ?? '-', t.text]);
    const w = [0, 1, 2].map((c) => Math.max(['COUNT', 'ID', 'LEVEL'][c]!.length, ...rows.map((r) => r[c]!.length)));
    const line = (r: string[]) => `${r[0]!.padStart(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}`;
    const more = shown.length < templates.length ? `\n… ${templates.length - shown.length} more (--top ${o.top} shown)` : '';
    await write(
      `${[line(['COUNT', 'ID', 'LEVEL', 'TEMPLATE']), ...rows.map(line)].join('\n')}${more}\n${stats.events} events ` +
        `from ${stats.lines} lines, ${templates.length} templates\n`,
    );
  }
  if (o.state) writeState(o.state, pm.save());
  reportBadInput(stats);
  return 0;
}

function describe(t: Template) {
  return {
    id: t.id,
    template: t.text,
    count: t.count,
    level: levelName(t.level) ?? null,
    firstSeen: new Date(t.firstSeen).toISOString(),
    lastSeen: new Date(t.lastSeen).toISOString(),
    example: t.example,
    absorbed: t.absorbed,
  };
}

function reportBadInput(s: { truncated: number; invalidUtf8: number; binary: number }): void {
  const parts: string[] = [];
  if (s.truncated) parts.push(`${s.truncated} line${s.truncated === 1 ? '' : 's'} cut at the line limit`);
  if (s.invalidUtf8) parts.push(`${s.invalidUtf8} line${s.invalidUtf8 === 1 ? '' : 's'} with invalid UTF-8 (replaced)`);
  if (s.binary) parts.push(`${s.binary} binary line${s.binary === 1 ? '' : 's'}`);
  if (parts.length) process.stderr.write(`holdfast logs patterns: ${parts.join(', ')}\n`);
}

function write(s: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(s, (err) => (err ? reject(err) : resolve())));
}
