// Log template mining inside the daemon: every program's output (what its log writers receive)
// goes through one ProgramMiner per program, one MinerStream per log writer, on the daemon's
// event loop in slices of at most 16 KiB, within a CPU share (mining-budget.ts). Output the share
// cannot take is shed and counted, never delayed: the log files get every byte as before. The
// miner's signals go out as `template.new` / `template.burst` events on /v1/events and into the
// incident loop; templates are served at /v1/patterns and counted in /metrics; the state is
// saved to <stateDir>/mining so ids survive a restart. Loaded only when some program is mined.
import type { LogEvent, MinedEvent, MinerStream, PatternSignal, ProgramMinerOptions } from '@holdfast/insight/mining';
import { ProgramMiner } from '@holdfast/insight/mining';
import type { ResolvedConfig } from '../config/load.ts';
import type { Logger } from '../logger.ts';
import type { RotatingLog } from '../logs/rotating-log.ts';
import type { Supervisor } from '../runner/supervisor.ts';
import type { SupervisorEvent } from '../api/types.ts';
import { miningSettings, type MiningSettings } from './mining-paths.ts';
import { MiningBudget } from './mining-budget.ts';
import { miningMetrics } from './mining-metrics.ts';
import { MiningStore } from './mining-store.ts';
import { TemplateAnnotator, type TemplateFields } from './template-annotator.ts';
import { TemplateCounters } from './template-counters.ts';
import {
  ageMarks,
  burstGoesOn,
  programMinerOptions,
  templateEvent,
  templateInfo,
  topTemplates,
  type MiningStatus,
  type PatternsReport,
  type ProgramPatterns,
  type SignalMarks,
} from './mining-view.ts';

/** Work waiting for the miner is capped: past this, new output is shed rather than queued. */
const MAX_QUEUED_BYTES = 4 * 2 ** 20;
/** Output is mined in slices of this size, so one slice keeps the event loop for a few ms at most. */
const SLICE = 16 * 1024;
/** One turn of the queue stops after this long and lets the loop serve requests. */
const TURN_MS = 8;
const REBALANCE_MS = 10_000;
/** Templates per program whose signals are remembered for the dashboard (signals are rare; this only bounds a storm). */
const MAX_MARKS = 256;

interface Mined {
  name: string;
  options: ProgramMinerOptions;
  optionsKey: string;
  pm: ProgramMiner;
  streams: WeakMap<RotatingLog, MinerStream>;
  counters: TemplateCounters;
  /** Lines shed because the queue was full or the share used up (besides the splitter's own count). */
  minedAtSave: number;
  /** When each of its log writers was last mined: one that has paused gets its pending event mined. */
  lastWrite: Map<RotatingLog, number>;
  /** The instance whose output is being mined (for the signals it raises). */
  instance: string | undefined;
  /** The format of the event mined last (the one a signal is about). */
  format: LogEvent['format'];
  /** Templates its signals named lately: new ones for NEW_FOR_MS, bursting ones while the burst goes on. */
  marks: Map<string, SignalMarks>;
}

interface Work {
  program: string;
  instance: string;
  log: RotatingLog;
  chunk: Buffer;
}

export interface DaemonMiningOptions {
  /** A signal for the incident loop (DaemonIncidents.pattern), with the format of the line that raised it. */
  onSignal?: (program: string, instance: string | undefined, s: PatternSignal, format: LogEvent['format']) => void;
}

export class DaemonMining {
  private config: MiningSettings;
  private readonly sup: Supervisor;
  private readonly log: Logger;
  private readonly store: MiningStore;
  private readonly budget: MiningBudget;
  private readonly programs = new Map<string, Mined>();
  /** How each log writer is fed to its miner: subscribed, or annotated (key: the fields written). */
  private readonly taps = new WeakMap<RotatingLog, { key: string; undo: () => void }>();
  private readonly undos = new Set<() => void>();
  private programsConfig: ResolvedConfig['programs'] = {};
  private readonly queue: Work[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private closed = false;
  private miningMs = 0;
  private readonly timer: NodeJS.Timeout;
  private lastSave = Date.now();
  private lastRebalance = Date.now();
  private readonly o: DaemonMiningOptions;
  private readonly onEvent = (e: SupervisorEvent) => {
    if (e.type === 'state' && (e.to === 'STARTING' || e.to === 'READY')) this.tap(e.instance);
  };
  private readonly turn = () => this.drain();

  constructor(resolved: ResolvedConfig, sup: Supervisor, log: Logger, o: DaemonMiningOptions = {}) {
    this.config = miningSettings(resolved);
    this.sup = sup;
    this.log = log;
    this.o = o;
    this.store = new MiningStore(resolved.supervisor.stateDir);
    this.budget = new MiningBudget(this.config.cpuShare, () => performance.now());
    this.sync(resolved);
    sup.on('event', this.onEvent);
    for (const r of sup.runners()) this.tap(r.spec.id);
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** Follows a config update: new programs are mined, removed ones saved and dropped, changed options applied. */
  sync(resolved: ResolvedConfig): void {
    this.config = miningSettings(resolved);
    this.programsConfig = resolved.programs;
    const now = new Date();
    for (const [name, p] of Object.entries(resolved.programs)) {
      const options = programMinerOptions(this.config, p.mining);
      const key = JSON.stringify(options ?? null);
      const had = this.programs.get(name);
      if (had && had.optionsKey === key) continue;
      if (had) this.saveOne(had, now);
      this.programs.delete(name);
      if (options) this.programs.set(name, this.open(name, options, key));
    }
    for (const [name, m] of this.programs) {
      if (resolved.programs[name]) continue;
      this.saveOne(m, now);
      this.programs.delete(name);
    }
    for (const r of this.sup.runners()) this.tap(r.spec.id);
  }

  private open(name: string, options: ProgramMinerOptions, optionsKey: string): Mined {
    const m: Mined = {
      name,
      options,
      optionsKey,
      pm: undefined as unknown as ProgramMiner,
      streams: new WeakMap(),
      counters: new TemplateCounters(this.config.metricsTemplates),
      minedAtSave: 0,
      lastWrite: new Map(),
      instance: undefined,
      format: 'plain',
      marks: new Map(),
    };
    const runtime = {
      onSignal: (s: PatternSignal) => this.signal(m, s),
      onMined: (x: MinedEvent) => {
        m.counters.add(x.result.id);
        m.format = x.event.format;
      },
    };
    let state;
    try {
      state = this.store.load(name);
    } catch (err) {
      const to = this.store.setAside(name, new Date());
      this.log.error(
        { program: name, err: (err as Error).message, movedTo: to },
        `mining: the saved templates of '${name}' cannot be read (${(err as Error).message}); moved to ${to}, starting with none`,
      );
    }
    try {
      m.pm = new ProgramMiner(options, runtime, state);
    } catch (err) {
      // A state that does not fit (or options changed so it no longer restores): start afresh, keep the file aside.
      const to = this.store.setAside(name, new Date());
      this.log.error(
        { program: name, err: (err as Error).message, movedTo: to },
        `mining: the saved templates of ` +
          `'${name}' were refused ` +
          `(${(err as Error).message.split('\n')[0]}); moved ` +
          `to ${to}, starting with none`,
      );
      m.pm = new ProgramMiner(options, runtime);
    }
    m.minedAtSave = m.pm.stats.mined;
    return m;
  }

  /**
   * Feeds an instance's log writers to its program's miner (once per writer): a copy of the output
   * mined in the background, or, with `logs.templateId`, mined on its way to the file so the id
   * can be written into its JSON lines.
   */
  private tap(instance: string): void {
    if (this.closed) return;
    const found = this.sup.findInstance(instance);
    if (!found) return;
    const program = found.runner.spec.program;
    const fields = this.templateFields(program);
    const key = fields ? `${fields.field}\n${String(fields.textField)}` : '';
    for (const log of new Set([found.logs.stdout, found.logs.stderr])) {
      if (!log) continue;
      const had = this.taps.get(log);
      if (had?.key === key) continue;
      if (had) {
        had.undo();
        this.undos.delete(had.undo);
      }
      let undo: () => void;
      if (fields) {
        const annotator = this.annotator(program, instance, log, fields);
        log.setTransform(annotator);
        undo = () => log.setTransform(undefined);
      } else undo = log.subscribe((chunk) => this.enqueue(program, instance, log, chunk));
      this.taps.set(log, { key, undo });
      this.undos.add(undo);
    }
  }

  /** `logs.templateId` of a mined program, resolved; undefined when off or the program is not mined. */
  private templateFields(program: string): TemplateFields | undefined {
    const t = this.programsConfig[program]?.logs.templateId;
    return t && this.programs.has(program) ? t : undefined;
  }

  private annotator(program: string, instance: string, log: RotatingLog, fields: TemplateFields): TemplateAnnotator {
    return new TemplateAnnotator(fields, {
      stream: () => {
        const m = this.programs.get(program);
        return m && !this.closed ? this.stream(m, log) : undefined;
      },
      allow: () => this.budget.allow(program),
      charge: (ms) => {
        this.miningMs += ms;
        this.budget.charge(program, ms);
      },
      before: () => {
        const m = this.programs.get(program);
        if (!m) return;
        m.instance = instance;
        m.lastWrite.set(log, Date.now());
      },
      release: (bytes) => log.writeThrough(bytes),
      maxLineBytes: this.programs.get(program)?.options.maxLineBytes ?? 64 * 1024,
    });
  }

  private enqueue(program: string, instance: string, log: RotatingLog, chunk: Buffer): void {
    const m = this.programs.get(program);
    if (!m) return;
    // Past the share with nothing waiting, or too much waiting: shed now, without queueing.
    if ((this.queue.length === 0 && !this.budget.allow(program)) || this.queuedBytes + chunk.length > MAX_QUEUED_BYTES) {
      this.stream(m, log).skip(chunk);
      return;
    }
    this.queue.push({ program, instance, log, chunk });
    this.queuedBytes += chunk.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  }

  private stream(m: Mined, log: RotatingLog): MinerStream {
    let s = m.streams.get(log);
    if (!s) {
      s = m.pm.stream();
      m.streams.set(log, s);
    }
    return s;
  }

  /** One turn: slices of the queue mined while the share and the turn allow; the rest next turn, or shed. */
  private drain(): void {
    this.scheduled = false;
    const start = performance.now();
    while (this.queue.length > 0 && !this.closed) {
      const w = this.queue[0]!;
      const m = this.programs.get(w.program);
      if (!m || !this.budget.allow(w.program)) {
        // Gone from the config, or past the share: the rest of the chunk is shed in one go.
        this.queue.shift();
        this.queuedBytes -= w.chunk.length;
        if (m) this.stream(m, w.log).skip(w.chunk);
        continue;
      }
      const piece = w.chunk.length > SLICE ? w.chunk.subarray(0, SLICE) : w.chunk;
      if (piece === w.chunk) this.queue.shift();
      else w.chunk = w.chunk.subarray(SLICE);
      this.queuedBytes -= piece.length;
      const s = this.stream(m, w.log);
      m.lastWrite.set(w.log, Date.now());
      const t0 = performance.now();
      m.instance = w.instance;
      try {
        s.write(piece);
      } catch (err) {
        // A miner bug must not take the daemon down: the piece is lost to mining only.
        this.log.error({ program: w.program, err: (err as Error).message }, 'mining: a slice of output could not be mined');
      }
      const ms = performance.now() - t0;
      this.miningMs += ms;
      this.budget.charge(w.program, ms);
      if (performance.now() - start >= TURN_MS) break;
    }
    if (this.queue.length > 0 && !this.scheduled && !this.closed) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  }

  private signal(m: Mined, s: PatternSignal): void {
    const mark = m.marks.get(s.id) ?? { newAt: null, burstAt: null, burstBaseline: 0 };
    if (s.type === 'template.new') mark.newAt = s.at;
    else {
      mark.burstAt = s.at;
      mark.burstBaseline = s.baselineCount;
    }
    m.marks.delete(s.id);
    m.marks.set(s.id, mark);
    if (m.marks.size > MAX_MARKS) m.marks.delete(m.marks.keys().next().value!);
    this.sup.emit('event', templateEvent(m.name, m.instance, s));
    this.o.onSignal?.(m.name, m.instance, s, m.format);
  }

  private tick(): void {
    const now = Date.now();
    // A stack trace's last line waits for the next line to end it; once that writer pauses it is
    // mined (per writer: a busy stdout must not hold back the last line of a burst on stderr).
    for (const m of this.programs.values()) {
      if (this.queue.length > 0) break;
      for (const [log, at] of m.lastWrite) {
        if (now - at < 500) continue;
        m.streams.get(log)?.flush();
        m.lastWrite.delete(log);
      }
    }
    if (now - this.lastRebalance >= REBALANCE_MS) {
      this.lastRebalance = now;
      for (const m of this.programs.values()) {
        m.counters.rebalance((id) => m.pm.miner.get(id)?.id === id);
        const det = m.pm.detector;
        ageMarks(
          m.marks,
          (id) => m.pm.miner.resolve(id),
          (id, mark) => !!det && burstGoesOn(det.options, det.rate(id, now), mark, now),
          now,
        );
      }
    }
    if (now - this.lastSave >= this.config.saveEvery) {
      this.lastSave = now;
      this.save();
    }
  }

  /**
   * Every mined program's top templates (the dashboard's log patterns section): bounded by `top`
   * per program, the programs in config order.
   */
  overview(top: number): ProgramPatterns[] {
    const now = Date.now();
    const out: ProgramPatterns[] = [];
    for (const m of this.programs.values()) {
      const s = m.pm.stats;
      out.push({
        program: m.name,
        templates: topTemplates(m.pm.miner.templates(), m.pm.detector, m.marks, now, top),
        total: m.pm.miner.size,
        mined: s.mined,
        shedLines: Math.round(s.skippedLines) + s.shed,
      });
    }
    return out;
  }

  /**
   * The template a line of the program's output falls into, looked up without mining the line
   * again (the miner has it already, or will in a moment); null when the program is not mined or
   * no template fits it yet (the first line of a template not mined yet, a stack trace's
   * continuation).
   */
  templateOf(program: string, line: string): { id: string; text: string } | null {
    const m = this.programs.get(program);
    if (!m) return null;
    const t = m.pm.miner.match(m.pm.event([line]).message);
    return t ? { id: t.id, text: t.text } : null;
  }

  /** Writes every program whose templates changed since the last save. */
  save(): void {
    const now = new Date();
    for (const m of this.programs.values()) if (m.pm.stats.mined !== m.minedAtSave) this.saveOne(m, now);
  }

  private saveOne(m: Mined, now: Date): void {
    try {
      this.store.save(m.name, m.pm.save(), now);
      m.minedAtSave = m.pm.stats.mined;
    } catch (err) {
      this.log.error(
        { program: m.name, dir: this.store.dir, err: (err as Error).message },
        `mining: the templates of '${m.name}' could not be saved (${(err as Error).message}); they are kept in memory and tried again`,
      );
    }
  }

  /** The program's templates (null: not mined; undefined: no such program). */
  patterns(program: string, sinceMs: number | undefined): PatternsReport | null | undefined {
    const m = this.programs.get(program);
    if (!m) return this.sup.config.programs[program] ? null : undefined;
    const now = Date.now();
    const stats = m.pm.stats;
    const templates = m.pm.miner
      .templates()
      .filter((t) => sinceMs === undefined || t.lastSeen >= now - sinceMs)
      .map((t) => templateInfo(t, m.pm.detector?.rate(t.id, now), m.pm.detector?.options, now))
      .sort((a, b) => b.count - a.count);
    return {
      program,
      templates,
      stats: {
        lines: stats.lines,
        events: stats.events,
        mined: stats.mined,
        shedLines: Math.round(stats.skippedLines) + stats.shed,
        shedBytes: stats.skippedBytes,
        truncated: stats.truncated,
        invalidUtf8: stats.invalidUtf8,
        binary: stats.binary,
        templates: m.pm.miner.size,
        evicted: m.pm.miner.evicted,
        byLevel: stats.byLevel,
      },
    };
  }

  /** Totals for the daemon's status. */
  status(): MiningStatus {
    let templates = 0;
    let mined = 0;
    let shed = 0;
    for (const m of this.programs.values()) {
      const s = m.pm.stats;
      templates += m.pm.miner.size;
      mined += s.mined;
      shed += Math.round(s.skippedLines) + s.shed;
    }
    return {
      programs: this.programs.size,
      templates,
      minedLines: mined,
      shedLines: shed,
      queuedBytes: this.queuedBytes,
      cpuMs: Math.round(this.miningMs),
      cpuShare: this.config.cpuShare,
    };
  }

  /** The miner's metrics in the exposition format, appended to the daemon's /metrics. */
  metrics(): string {
    return miningMetrics(
      [...this.programs.values()].map((m) => ({ program: m.name, stats: m.pm.stats, templates: m.pm.miner.size, counters: m.counters })),
      this.miningMs,
    );
  }

  /** Saves everything and stops listening (daemon shutdown). */
  close(): void {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    clearInterval(this.timer);
    this.sup.off('event', this.onEvent);
    for (const u of this.undos) u();
    this.undos.clear();
    const now = new Date();
    for (const m of this.programs.values()) this.saveOne(m, now);
  }
}
