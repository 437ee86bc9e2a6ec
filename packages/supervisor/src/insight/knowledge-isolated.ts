// The daemon reads and writes knowledge.yaml through a short-lived child (knowledge-main.ts), as
// it loads its config (config/load-isolated.ts): the yaml parser would cost the daemon megabytes
// for a file read a few times a day. One process start per load or --learn.
import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Issue, KnowledgeBase, KnowledgeEntry } from '@holdfast/insight';

const here = fileURLToPath(import.meta.url);
const entry = fileURLToPath(new URL(`./knowledge-main${extname(here)}`, import.meta.url));

export class KnowledgeError extends Error {
  readonly code: string;
  readonly issues: Issue[];
  constructor(code: string, message: string, issues: Issue[] = []) {
    super(message);
    this.name = 'KnowledgeError';
    this.code = code;
    this.issues = issues;
  }
}

function run(args: string[], input?: string): Promise<KnowledgeBase> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', (e) => reject(new KnowledgeError('HOLDFAST_E_KNOWLEDGE', `cannot start the knowledge base reader: ${e.message}`)));
    child.once('close', () => {
      const text = Buffer.concat(out).toString('utf8');
      let msg: { kb?: KnowledgeBase; error?: { code: string; message: string; issues?: Issue[] } };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return reject(
          new KnowledgeError(
            'HOLDFAST_E_KNOWLEDGE',
            `the knowledge base reader failed: ${Buffer.concat(err).toString('utf8').trim() || text.slice(0, 500)}`,
          ),
        );
      }
      if (msg.kb) return resolve(msg.kb);
      reject(new KnowledgeError(msg.error?.code ?? 'HOLDFAST_E_KNOWLEDGE', msg.error?.message ?? 'unknown error', msg.error?.issues ?? []));
    });
    child.stdin.end(input);
  });
}

export const loadKnowledgeIsolated = (file: string) => run(['load', file]);
export const learnIsolated = (file: string, e: KnowledgeEntry, comment?: string) =>
  run(['learn', file], JSON.stringify({ entry: e, comment }));
