// `logs.templateId` with real programs under the real daemon: the JSON lines in the log file carry
// the template id that `holdfast logs <program> --patterns --json` reports (and the template, when
// asked), the rest of each line byte for byte as written; other lines, and the files of programs
// that did not ask, are exactly what the program wrote.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@holdfast/testkit';
import type { PatternsReport } from '../src/index.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

const cli = fileURLToPath(new URL('../../cli/bin/holdfast.js', import.meta.url));
const run = promisify(execFile);
const fixture = join(fixtures, 'json-logs.mjs');

const yaml = `programs:
  full:
    command: [${node}, ${fixture}]
    ready: {afterMs: 0}
    logs: {templateId: {textField: template}}
  idonly:
    command: [${node}, ${fixture}]
    ready: {afterMs: 0}
    logs: {templateId: {field: tid}}
  untouched:
    command: [${node}, ${fixture}]
    ready: {afterMs: 0}
`;

/** Every id a template answers to: its own and those it absorbed. */
function idsOf(r: PatternsReport): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of r.templates) for (const id of [t.id, ...t.absorbed]) m.set(id, t.template);
  return m;
}

test('logs.templateId: JSON lines in the file carry the id `logs --patterns --json` reports; everything else is as written', async (t) => {
  const { file, config } = await writeConfig(t, yaml);
  const written = (await run(node, [fixture], { env: { ...process.env, ONCE: '1' } })).stdout;
  await startDaemon(t, config);
  const logOf = (p: string) => join(config.supervisor.logDir, `${p}.stdout.log`);
  const read = (p: string) => {
    try {
      return readFileSync(logOf(p), 'utf8');
    } catch {
      return '';
    }
  };
  for (const p of ['full', 'idonly', 'untouched']) await waitFor(`${p}'s output in its file`, () => read(p).endsWith('done\n'));

  assert.equal(read('untouched'), written, 'a program without templateId: its file holds exactly what it wrote');

  const patterns = async (p: string) =>
    JSON.parse((await run(node, [cli, 'logs', p, '--patterns', '--json', '-c', file])).stdout) as PatternsReport;
  const want = written.split('\n');
  for (const [program, field, withText] of [
    ['full', 'template_id', true],
    ['idonly', 'tid', false],
  ] as const) {
    const report = await patterns(program);
    const ids = idsOf(report);
    const got = read(program).split('\n');
    assert.equal(got.length, want.length, `${program}: one line in the file per line written`);
    let annotated = 0;
    let unchanged = 0;
    const idOfRequest = new Set<string>();
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      const g = got[i]!;
      const insertAt = w.lastIndexOf('}');
      const isEvent = w.startsWith('{"level"') && !w.includes(`"${field}"`);
      if (isEvent && g === w) {
        // Mining shed it (past the CPU share on a loaded machine): written as it came, and counted.
        unchanged++;
        continue;
      }
      if (!isEvent) {
        assert.equal(g, w, `${program} line ${i + 1}: not a JSON event of its own, left as written`);
        continue;
      }
      // The insert sits before the closing brace; the line around it is byte for byte the program's.
      assert.equal(g.slice(0, insertAt), w.slice(0, insertAt), `${program} line ${i + 1}: start unchanged`);
      assert.equal(g.slice(g.length - (w.length - insertAt)), w.slice(insertAt), `${program} line ${i + 1}: end unchanged`);
      const insert = g.slice(insertAt, g.length - (w.length - insertAt));
      const m = new RegExp(`^,"${field}":"([0-9a-f]{12})"(?:,"template":("(?:[^"\\\\]|\\\\.)*"))?$`).exec(insert);
      assert.ok(m, `${program} line ${i + 1}: the insert is the id field (got ${insert})`);
      const id = m[1]!;
      assert.ok(ids.has(id), `${program} line ${i + 1}: id ${id} is one --patterns reports`);
      if (withText) assert.equal(JSON.parse(m[2]!), ids.get(id), `${program} line ${i + 1}: the template beside the id is its template`);
      else assert.equal(m[2], undefined);
      const parsed = JSON.parse(g.replace(/\r$/, '')) as Record<string, unknown>;
      assert.equal(parsed[field], id, 'the line is still a JSON object, with the id as a field');
      if (/^request \d+ done/.test(String(parsed.msg))) idOfRequest.add(id);
      annotated++;
    }
    // 40 requests, 10 payments, 9 slow queries, the split line; and 8 that carry template_id where the field is tid.
    const events = field === 'tid' ? 68 : 60;
    assert.equal(annotated + unchanged, events);
    if (report.stats.shedBytes === 0) assert.equal(annotated, events, `${program}: nothing shed, every JSON event annotated`);
    else assert.ok(annotated > 0, `${program}: ${report.stats.shedBytes} bytes shed, ${annotated} annotated`);
    assert.equal(idOfRequest.size, 1, `${program}: one template, one id for every 'request N done' line`);
    const request = [...ids.entries()].find(([, tpl]) => tpl === 'request <*> done in <*> ms');
    assert.ok(request && idOfRequest.has(request[0]), 'the id of "request <*> done in <*> ms"');
    const payment = got.find((l) => l.includes('payment failed') && l.includes(`"${field}"`));
    assert.ok(payment, `${program}: a payment line with its id`);
    assert.match(
      ids.get((JSON.parse(payment) as Record<string, string>)[field]!)!,
      /^payment failed for order <\*> CardError: card declined$/,
    );
    assert.match(
      got.find((l) => l.includes('split line'))!,
      new RegExp(`^\\{"level":30,"msg":"split line number 7 arrived","${field}":"[0-9a-f]{12}"`),
      'a JSON line written in two pieces is held for its end, then annotated',
    );
  }
});
