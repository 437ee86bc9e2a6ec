// Rules from a YAML or JSON file, hot-reloaded. A file that does not parse or validate is
// rejected whole, with file, line and path for every problem, and the rules already loaded stay
// in force. The directory is watched rather than the file, because editors and Kubernetes
// ConfigMaps replace files by rename (a watch on the old inode would go quiet).
import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { SourceMap } from '@holdfast/config/locate';
import { YAMLParseError, parse as parseYaml, parseDocument } from 'yaml';
import type { Guard } from '../guard.ts';
import { type RuleIssue, RulesError } from '../errors.ts';
import { type GuardRules, validateRules } from '../manager/validate.ts';

export interface ParseRulesOptions {
  /** Shown in errors; also picks the format from the extension (.json, else YAML). */
  file?: string;
  format?: 'yaml' | 'json';
}

function syntaxError(file: string | undefined, message: string, line?: number, column?: number, cause?: unknown): RulesError {
  return new RulesError([{ path: [], message: `cannot parse: ${message}`, file, line, column }], 'HOLDFAST_E_RULES_FILE', { cause });
}

/** Parses and validates rules text; throws a RulesError whose issues carry file and line. */
export function parseRulesText(text: string, options: ParseRulesOptions = {}): GuardRules {
  const { file } = options;
  const format = options.format ?? (file && extname(file).toLowerCase() === '.json' ? 'json' : 'yaml');
  let data: unknown;
  if (format === 'json') {
    try {
      data = JSON.parse(text);
    } catch (err) {
      // V8 does not always say where; the yaml parser (JSON is YAML) usually can.
      const message = (err as Error).message.replace(/, "[\s\S]*" is not valid JSON$/, '');
      const m = /line (\d+) column (\d+)/.exec(message);
      const pos = m ? { line: Number(m[1]), col: Number(m[2]) } : parseDocument(text).errors[0]?.linePos?.[0];
      throw syntaxError(file, message, pos?.line, pos?.col, err);
    }
  } else {
    try {
      data = parseYaml(text) ?? {};
    } catch (err) {
      if (err instanceof YAMLParseError)
        throw syntaxError(file, err.message.split('\n')[0]!, err.linePos?.[0].line, err.linePos?.[0].col, err);
      throw syntaxError(file, (err as Error).message, undefined, undefined, err);
    }
  }
  const result = validateRules(data);
  if (!result.ok) {
    const map = new SourceMap(text);
    const issues: RuleIssue[] = result.issues.map((i) => ({ ...i, file, ...map.locate(i.path) }));
    throw new RulesError(issues);
  }
  return data as GuardRules;
}

/** Reads, parses and validates a rules file (YAML or JSON). */
export function loadRulesFile(path: string): GuardRules {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RulesError([{ path: [], message: `cannot read: ${(err as Error).message}`, file: path }], 'HOLDFAST_E_RULES_FILE', {
      cause: err,
    });
  }
  return parseRulesText(text, { file: path });
}

export interface WatchRulesOptions {
  /** Coalesces bursts of change events (an editor writes, renames, chmods). Default 100 ms. */
  debounceMs?: number;
  /** Called after each successful (re)load. */
  onLoad?: (rules: GuardRules) => void;
  /** Called for each rejected file (also logged and emitted as the guard's 'rulesRejected'). */
  onError?: (error: RulesError) => void;
}

export interface RulesFileWatcher {
  /** Reads the file now; resolves true when it loaded, false when it was rejected (old rules stay). */
  reload(): Promise<boolean>;
  close(): void;
}

/**
 * Loads `path` into `guard` and keeps it loaded: every change of the file is validated and
 * swapped in atomically. The first load is synchronous and throws on a bad file, so a process
 * does not start with rules it cannot read; later bad files are rejected and reported.
 */
export function watchRulesFile(guard: Guard, path: string, options: WatchRulesOptions = {}): RulesFileWatcher {
  const file = resolve(path);
  const debounceMs = options.debounceMs ?? 100;
  const first = readFileSync(file, 'utf8');
  let lastHash = createHash('sha256').update(first).digest('hex');
  const rules = parseRulesText(first, { file: path });
  guard.loadRules(rules);
  options.onLoad?.(rules);

  let running: Promise<boolean> | null = null;
  let again = false;
  const load = async (): Promise<boolean> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      // Mid-rename the file can be briefly absent; the next event will bring it back.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      return reject(
        new RulesError([{ path: [], message: `cannot read: ${(err as Error).message}`, file: path }], 'HOLDFAST_E_RULES_FILE', {
          cause: err,
        }),
      );
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === lastHash) return true;
    try {
      const next = parseRulesText(text, { file: path });
      guard.loadRules(next);
      lastHash = hash;
      options.onLoad?.(next);
      return true;
    } catch (err) {
      if (err instanceof RulesError) {
        lastHash = hash;
        return reject(err);
      }
      throw err;
    }
  };
  const reject = (err: RulesError): false => {
    guard.logger.error({ file: path, issues: err.issues }, `guard: rules file ${path} rejected; the previous rules stay active`);
    guard.emit('rulesRejected', err);
    options.onError?.(err);
    return false;
  };
  const reload = (): Promise<boolean> => {
    if (running) {
      again = true;
      return running;
    }
    running = load().finally(() => {
      running = null;
      if (again) {
        again = false;
        void reload();
      }
    });
    return running;
  };

  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, name) => {
    if (name !== null && name !== basename(file) && !String(name).startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), debounceMs);
  });
  watcher.on('error', (err) => guard.logger.error({ file: path, err }, 'guard: cannot watch the rules file'));
  return {
    reload,
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
