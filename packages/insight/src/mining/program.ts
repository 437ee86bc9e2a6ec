// One program's output, mined as it is written: bytes → lines (capped, UTF-8 checked) →
// multi-line events folded → JSON / logfmt / plain (header set aside) → the miner → the
// pattern-change detector. This is the object the supervisor keeps per program; it is fed chunks
// or lines, reports through callbacks, sheds load by a rate limit and a sampling hook, and saves
// its state as plain JSON.
import { InsightError, type Issue } from '../errors.ts';
import { withError, type LogEvent } from '../lines/event.ts';
import { compileHeaderFormat, splitHeader, type HeaderSplit } from '../lines/header.ts';
import { parseJsonLine } from '../lines/json.ts';
import { levelName, NO_LEVEL } from '../lines/levels.ts';
import { parseLogfmtLine } from '../lines/logfmt.ts';
import { MultilineFolder, type FoldLimits } from '../lines/multiline.ts';
import { LineSplitter, splitterStats, type SplitterStats } from '../lines/splitter.ts';
import { PatternDetector, type DetectorOptions, type DetectorState, type PatternSignal } from './detector.ts';
import { TemplateMiner, type MineResult } from './miner.ts';
import { validateMinerOptions, type MinerOptions } from './options.ts';
import { restoreState, saveState, type MinerState } from './state.ts';

export interface ProgramMinerOptions {
  miner?: MinerOptions;
  /**
   * 'auto' (default): find each plain line's header; 'none': mine lines whole; or a format like '<Date>
   * <Time> <Level> <Component>: <Content>'.
   */
  header?: string;
  /** Read JSON lines on their message and level. Default true. */
  json?: boolean;
  /** Read logfmt lines on their msg and level. Default true. */
  logfmt?: boolean;
  /** Fold stack traces into one event. Default true; or limits. */
  multiline?: boolean | Partial<FoldLimits>;
  /** Lines are cut at this many bytes. Default 64 KiB. */
  maxLineBytes?: number;
  /** Pattern-change signals; false turns them off. */
  detector?: DetectorOptions | false;
  /** Beyond this many events per second the rest are counted as shed, not mined. Default unlimited. */
  maxEventsPerSecond?: number;
}

export interface ProgramMinerRuntime {
  now?: () => number;
  onMined?: (m: MinedEvent) => void;
  onSignal?: (s: PatternSignal) => void;
  /** Sampling hook, asked for each event within the rate limit: false sheds it (counted). */
  sample?: (event: LogEvent) => boolean;
}

export interface MinedEvent {
  event: LogEvent;
  result: MineResult;
}

export interface ProgramMinerStats extends SplitterStats {
  /** Events after folding. */
  events: number;
  mined: number;
  /** Events not mined because of the rate limit or the sampling hook. */
  shed: number;
  /** Events per level name ('none' when the line carried none). */
  byLevel: Record<string, number>;
}

export interface ProgramMinerState {
  miner: MinerState;
  detector: DetectorState | null;
}

/** Every problem with the options (empty when valid). */
export function validateProgramMinerOptions(o: unknown): Issue[] {
  if (o === undefined) return [];
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return [{ path: [], message: 'must be an object' }];
  const r = o as Record<string, unknown>;
  const issues: Issue[] = validateMinerOptions(r.miner).map((i) => ({ ...i, path: ['miner', ...i.path] }));
  const known = ['miner', 'header', 'json', 'logfmt', 'multiline', 'maxLineBytes', 'detector', 'maxEventsPerSecond'];
  for (const k of Object.keys(r)) if (!known.includes(k)) issues.push({ path: [k], message: `unknown option; known: ${known.join(', ')}` });
  if (r.header !== undefined) {
    if (typeof r.header !== 'string') issues.push({ path: ['header'], message: "must be 'auto', 'none' or a format with <Content>" });
    else if (r.header !== 'auto' && r.header !== 'none' && !r.header.includes('<Content>'))
      issues.push({
        path: ['header'],
        message: `a header format needs a <Content> field, e.g. '<Date> <Time> <Level> <Component>: <Content>'; got '${r.header}'`,
      });
  }
  for (const k of ['json', 'logfmt'])
    if (r[k] !== undefined && typeof r[k] !== 'boolean') issues.push({ path: [k], message: 'must be true or false' });
  if (r.maxLineBytes !== undefined && (!Number.isInteger(r.maxLineBytes) || (r.maxLineBytes as number) < 64))
    issues.push({ path: ['maxLineBytes'], message: 'must be a whole number ≥ 64' });
  if (r.maxEventsPerSecond !== undefined && (typeof r.maxEventsPerSecond !== 'number' || !(r.maxEventsPerSecond > 0)))
    issues.push({ path: ['maxEventsPerSecond'], message: 'must be a number > 0' });
  if (r.multiline !== undefined && typeof r.multiline !== 'boolean' && (typeof r.multiline !== 'object' || r.multiline === null))
    issues.push({ path: ['multiline'], message: 'must be true, false or { maxLines, maxChars }' });
  return issues;
}

/**
 * One source of a program's output (an instance's stdout, say): its own line splitter and
 * stack-trace folder, feeding the program's one miner and detector. Lines of two sources never
 * join, and a trace half-written by one instance is not cut by another's lines.
 */
export class MinerStream {
  readonly #splitter: LineSplitter;
  readonly #folder: MultilineFolder | undefined;
  readonly #mine: (lines: string[]) => MinedEvent | undefined;
  readonly #onLine = (line: string) => this.line(line);

  constructor(splitter: LineSplitter, folder: MultilineFolder | undefined, mine: (lines: string[]) => MinedEvent | undefined) {
    this.#splitter = splitter;
    this.#folder = folder;
    this.#mine = mine;
  }

  /** Feeds output as it arrives (bytes or text; lines may span chunks). */
  write(chunk: Buffer | string): void {
    this.#splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, this.#onLine);
  }

  /** Sheds a chunk (load shedding): counted, not read; the line it cuts is dropped too. */
  skip(chunk: Buffer): void {
    this.flush();
    this.#splitter.skip(chunk);
  }

  /** Feeds one line that is already decoded (no newline). */
  line(line: string): void {
    if (!this.#folder) {
      this.#mine([line]);
      return;
    }
    const done = this.#folder.push(line);
    if (done) this.#mine(done);
  }

  /**
   * Mines one whole line at once, as an event of its own (the pending multi-line event first),
   * and answers with its event and template: for a writer that puts the template id into the
   * line it is about to write (a JSON line, which no stack trace continues). Call it only between
   * whole lines (everything written before ended with a newline). Undefined when the line was
   * binary or shed by the rate limit or the sampling hook.
   */
  mineNow(line: Buffer): MinedEvent | undefined {
    this.flush();
    const text = this.#splitter.one(line);
    return text === undefined ? undefined : this.#mine([text]);
  }

  /** Mines a pending multi-line event now (call when the output pauses). */
  flush(): void {
    const done = this.#folder?.flush();
    if (done) this.#mine(done);
  }

  /** End of input: the last partial line and any pending event. */
  end(): void {
    this.#splitter.end(this.#onLine);
    this.flush();
  }
}

export class ProgramMiner {
  readonly miner: TemplateMiner;
  readonly detector: PatternDetector | undefined;
  readonly #main: MinerStream;
  readonly #splitterStats = splitterStats();
  readonly #maxLineBytes: number | undefined;
  readonly #multiline: boolean | Partial<FoldLimits> | undefined;
  readonly #mineLines = (lines: string[]): MinedEvent | undefined => this.#mine(lines);
  readonly #header: ((line: string) => HeaderSplit) | undefined;
  readonly #json: boolean;
  readonly #logfmt: boolean;
  readonly #maxPerSecond: number;
  readonly #now: () => number;
  readonly #rt: ProgramMinerRuntime;
  readonly #stats: Omit<ProgramMinerStats, keyof SplitterStats> = { events: 0, mined: 0, shed: 0, byLevel: {} };
  #second = -1;
  #inSecond = 0;

  constructor(options: ProgramMinerOptions = {}, runtime: ProgramMinerRuntime = {}, state?: ProgramMinerState) {
    const issues = validateProgramMinerOptions(options);
    if (issues.length)
      throw new InsightError('HOLDFAST_E_INSIGHT_OPTIONS', `${issues.length} problem${issues.length === 1 ? '' : 's'}`, issues);
    this.#rt = runtime;
    this.#now = runtime.now ?? Date.now;
    this.miner = state
      ? restoreState(state.miner, options.miner, { now: this.#now })
      : new TemplateMiner(options.miner, { now: this.#now });
    this.detector = options.detector === false ? undefined : new PatternDetector(options.detector ?? {}, state?.detector ?? undefined);
    this.#maxLineBytes = options.maxLineBytes;
    this.#multiline = options.multiline;
    this.#main = this.stream();
    const h = options.header ?? 'auto';
    this.#header = h === 'none' ? undefined : h === 'auto' ? splitHeader : compileHeaderFormat(h);
    this.#json = options.json ?? true;
    this.#logfmt = options.logfmt ?? true;
    this.#maxPerSecond = options.maxEventsPerSecond ?? Infinity;
  }

  /** Another source of this program's output, mined into the same templates (its counts in stats). */
  stream(): MinerStream {
    const folder = this.#multiline === false ? undefined : new MultilineFolder(typeof this.#multiline === 'object' ? this.#multiline : {});
    return new MinerStream(new LineSplitter(this.#maxLineBytes, { stats: this.#splitterStats }), folder, this.#mineLines);
  }

  /** Feeds output as it arrives (bytes or text; lines may span chunks). */
  write(chunk: Buffer | string): void {
    this.#main.write(chunk);
  }

  /** Feeds one line that is already decoded (no newline). */
  line(line: string): void {
    this.#main.line(line);
  }

  /** Mines a pending multi-line event now (call when the program's output pauses). */
  flush(): void {
    this.#main.flush();
  }

  /** End of input: the last partial line and any pending event. */
  end(): void {
    this.#main.end();
  }

  get stats(): ProgramMinerStats {
    return { ...this.#splitterStats, ...this.#stats, byLevel: { ...this.#stats.byLevel } };
  }

  save(): ProgramMinerState {
    return { miner: saveState(this.miner), detector: this.detector ? this.detector.save() : null };
  }

  /** The event a group of lines makes (exported for the CLI and tests through parseEvent). */
  event(lines: string[]): LogEvent {
    return parseEvent(lines, this.#header, this.#json, this.#logfmt);
  }

  #mine(lines: string[]): MinedEvent | undefined {
    const event = this.event(lines);
    this.#stats.events++;
    const name = levelName(event.level) ?? 'none';
    this.#stats.byLevel[name] = (this.#stats.byLevel[name] ?? 0) + 1;
    const now = this.#now();
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#inSecond = 0;
    }
    if (++this.#inSecond > this.#maxPerSecond || (this.#rt.sample && !this.#rt.sample(event))) {
      this.#stats.shed++;
      return undefined;
    }
    const result = this.miner.add(event.message, event.level, now);
    this.#stats.mined++;
    const mined = { event, result };
    if (this.#rt.onMined) this.#rt.onMined(mined);
    if (this.detector) {
      const t = result.record;
      for (const s of this.detector.observe(now, {
        id: result.id,
        template: result.template,
        change: result.change,
        level: t.level,
        example: t.example,
        absorbed: result.absorbed,
      }))
        this.#rt.onSignal?.(s);
    }
    return mined;
  }
}

/** The event for one line or a folded group of lines. */
export function parseEvent(lines: string[], header: ((line: string) => HeaderSplit) | undefined, json = true, logfmt = true): LogEvent {
  const first = lines[0]!;
  const raw = lines.length === 1 ? first : lines.join('\n');
  if (json && first.charCodeAt(0) === 123) {
    const e = parseJsonLine(first);
    if (e) return lines.length === 1 ? e : { ...e, raw, lines: lines.length };
  }
  if (logfmt) {
    const e = parseLogfmtLine(first);
    if (e) return lines.length === 1 ? e : { ...e, raw, lines: lines.length };
  }
  const h = header ? header(first) : { header: '', message: first, level: NO_LEVEL };
  let message = h.message;
  if (lines.length > 1 && message.trim().endsWith('Traceback (most recent call last):')) {
    // A Python traceback is named by its last line (ValueError: bad input).
    const last = lines[lines.length - 1]!.trim();
    message = withError(message.replace(/Traceback \(most recent call last\):\s*$/, '').trim(), undefined, last);
  }
  return { message, level: h.level, raw, format: 'plain', header: h.header, lines: lines.length };
}
