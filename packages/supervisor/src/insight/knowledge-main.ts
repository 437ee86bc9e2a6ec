// Entry of the short-lived process that reads (and, for --learn, writes) knowledge.yaml for the
// daemon: the yaml parser never enters the daemon. Prints {"kb": ...} or {"error": {...}} as JSON.
//   knowledge-main load <file>
//   knowledge-main learn <file>      (stdin: {"entry": {...}, "comment": "..."})
import { readFileSync } from 'node:fs';
import { appendKnowledgeEntry, loadKnowledgeFile } from '@holdfast/insight/yaml';
import type { KnowledgeEntry } from '@holdfast/insight';

const [mode, file] = process.argv.slice(2);
try {
  if (!file || (mode !== 'load' && mode !== 'learn')) throw new Error('usage: knowledge-main load|learn <file>');
  if (mode === 'load') process.stdout.write(JSON.stringify({ kb: loadKnowledgeFile(file) }));
  else {
    const job = JSON.parse(readFileSync(0, 'utf8')) as { entry: KnowledgeEntry; comment?: string };
    process.stdout.write(JSON.stringify({ kb: appendKnowledgeEntry(file, job.entry, job.comment) }));
  }
} catch (err) {
  const e = err as Error & { code?: string; issues?: unknown[] };
  process.stdout.write(
    JSON.stringify({ error: { code: e.code ?? 'HOLDFAST_E_KNOWLEDGE', message: e.message, ...(e.issues ? { issues: e.issues } : {}) } }),
  );
  process.exitCode = 2;
}
