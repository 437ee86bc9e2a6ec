// The daemon's side of rule edits: runs rules-main.ts in a short-lived child (the yaml parser and
// guard's validator never enter the daemon) and hands back its one JSON answer. Edits of one file
// are queued, never two children writing it at once.
import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL(`./rules-main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export interface RuleFieldSchema {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  minimum?: number;
  maximum?: number;
}

export interface RulesFileView {
  file: string;
  /** Names the text the page read: an edit against an older version is refused. */
  version: string;
  rules: Record<string, unknown> | null;
  /** Per kind (flow, breakers, hotspot, isolation, system): its fields. */
  fields: Record<string, Record<string, RuleFieldSchema>>;
  /** The file on disk does not validate (the services keep their last good rules). */
  invalid?: { code: string; message: string; issues: unknown[] };
}

export interface RuleEdit {
  version: string;
  op: 'set' | 'add' | 'delete';
  kind: 'flow' | 'breakers' | 'hotspot' | 'isolation' | 'system';
  id?: string;
  rule?: Record<string, unknown>;
}

export class RulesEditError extends Error {
  readonly code: string;
  readonly issues: unknown[];
  constructor(code: string, message: string, issues: unknown[] = []) {
    super(message);
    this.name = 'RulesEditError';
    this.code = code;
    this.issues = issues;
  }
}

function run(args: string[], input?: string): Promise<RulesFileView> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', entry, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', (e) => reject(new RulesEditError('HOLDFAST_E_RULES_FILE', `cannot start the rules editor: ${e.message}`)));
    child.once('close', () => {
      const text = Buffer.concat(out).toString('utf8');
      let msg: RulesFileView & { error?: { code: string; message: string; issues?: unknown[] } };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return reject(
          new RulesEditError(
            'HOLDFAST_E_RULES_FILE',
            `the rules editor failed: ${Buffer.concat(err).toString('utf8').trim().slice(0, 500) || text.slice(0, 500)}`,
          ),
        );
      }
      if (msg.error) reject(new RulesEditError(msg.error.code, msg.error.message, msg.error.issues ?? []));
      else resolve(msg);
    });
    child.stdin.end(input);
  });
}

const queues = new Map<string, Promise<unknown>>();

function queued<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const p = (queues.get(file) ?? Promise.resolve()).catch(() => undefined).then(fn);
  queues.set(file, p);
  void p.finally(() => queues.get(file) === p && queues.delete(file)).catch(() => undefined);
  return p;
}

export const readRulesIsolated = (file: string) => queued(file, () => run(['read', file]));
export const editRulesIsolated = (file: string, edit: RuleEdit) => queued(file, () => run(['edit', file], JSON.stringify(edit)));
