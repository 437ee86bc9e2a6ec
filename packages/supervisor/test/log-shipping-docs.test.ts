// docs/log-shipping.md against the daemon: its Fluent Bit and Vector configurations parse, their
// globs match the file names the daemon writes (and not the rotated ones), their path patterns give
// back program, instance and stream, they read and send the field the daemon writes, the template
// id goes to Loki as structured metadata (never a label), and the example line is what the
// annotator writes. Neither shipper is packaged for Debian, so they are not run here.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { ProgramMiner } from '@holdfast/insight/mining';
import { parse } from 'yaml';
import { loadSupervisorConfig } from '../src/index.ts';
import { TemplateAnnotator } from '../src/insight/template-annotator.ts';
import { logFileFor } from '../src/logs/sinks.ts';

const doc = readFileSync(new URL('../../../docs/log-shipping.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
const yamlNamed = (name: string) => {
  const b = blocks.find((x) => x.lang === 'yaml' && x.text.startsWith(`# ${name}\n`));
  assert.ok(b, `a yaml block starting with '# ${name}' in docs/log-shipping.md`);
  return parse(b.text) as Record<string, any>;
};
const fluentBit = yamlNamed('holdfast-fluent-bit.yaml');
const vector = yamlNamed('holdfast-vector.yaml');

const LOG_DIR = '/var/lib/holdfast/logs';
const defaults = { maxBytes: 0, backups: 0, daily: false, gzip: false, bufferBytes: 4096 };
/** The files the daemon writes for a few programs, with what a shipper should read from the name. */
const written = [
  { program: 'web', instances: 1, index: 0 },
  { program: 'api', instances: 3, index: 2 },
  { program: 'shop.orders', instances: 1, index: 0 },
].flatMap((p) =>
  (['stdout', 'stderr'] as const).map((stream) => ({
    ...p,
    stream,
    file: logFileFor(LOG_DIR, p.program, p.index, p.instances, stream, defaults)!,
  })),
);

async function defaultField(t: TestContext): Promise<string> {
  const dir = tempDir(t, 'hf-ship-');
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(file, 'programs:\n  web:\n    command: node app.js\n    logs: {templateId: true}\n');
  const c = await loadSupervisorConfig(file);
  const fields = c.programs.web!.logs.templateId;
  assert.ok(fields);
  return fields.field;
}

test('both configurations tail the files the daemon writes, and only the live ones', () => {
  const globs = [fluentBit.pipeline.inputs[0].path as string, ...(vector.sources.holdfast_logs.include as string[])];
  for (const glob of globs) {
    for (const w of written) assert.ok(matchesGlob(w.file, glob), `${glob} matches ${w.file}`);
    for (const rotated of [`${LOG_DIR}/web.stdout.log.1`, `${LOG_DIR}/web.stdout.log.2.gz`])
      assert.ok(!matchesGlob(rotated, glob), `${glob} leaves the rotated ${rotated} alone`);
  }
});

test('their path patterns give back program, instance and stream', () => {
  const fbParser = (fluentBit.parsers as { name: string; regex?: string }[]).find((p) => p.name === 'holdfast_file');
  const vrl = vector.transforms.holdfast_parsed.source as string;
  const vrlRegex = /parse_regex!\(\.file, r'([^']+)'\)/.exec(vrl)?.[1];
  assert.ok(fbParser?.regex && vrlRegex);
  // Fluent Bit's Onigmo and Vector's Rust regex name groups differently; the patterns are the same.
  assert.equal(vrlRegex.replaceAll('(?P<', '(?<'), fbParser.regex);
  const re = new RegExp(fbParser.regex);
  for (const w of written) {
    const g = re.exec(w.file)?.groups;
    assert.ok(g, w.file);
    assert.equal(g.program, w.program, w.file);
    assert.equal(g.stream, w.stream, w.file);
    assert.equal(g.instance, w.instances > 1 ? String(w.index) : undefined, w.file);
  }
  assert.match(fluentBit.pipeline.inputs[0].path_key, /^file$/, 'Fluent Bit puts the path under the key its parser filter reads');
  assert.equal(fluentBit.pipeline.filters[0].key_name, 'file');
});

test('they read the field the daemon writes and send it to Loki as structured metadata, never as a label', async (t) => {
  const field = await defaultField(t);
  assert.equal(field, 'template_id');
  const fbLoki = (fluentBit.pipeline.outputs as Record<string, string>[]).find((o) => o.name === 'loki')!;
  assert.equal(fbLoki.structured_metadata, `${field}=$${field}`);
  assert.doesNotMatch(fbLoki.labels!, new RegExp(field));
  const fbModify = (fluentBit.pipeline.filters as Record<string, string>[]).find((f) => f.name === 'modify')!;
  assert.equal(fbModify.add, `${field} none`);
  const vLoki = vector.sinks.loki;
  assert.deepEqual(vLoki.structured_metadata, { [field]: `{{ ${field} }}` });
  assert.ok(!Object.keys(vLoki.labels).includes(field) && !JSON.stringify(vLoki.labels).includes(field));
  assert.match(vector.transforms.holdfast_parsed.source, new RegExp(`\\.${field} = \\.fields\\.${field}\\n`));
  assert.equal(vector.sinks.elasticsearch.bulk.index, 'holdfast-logs-%Y.%m.%d');
  assert.equal(`${fluentBit.pipeline.outputs[1].logstash_prefix}-*`, 'holdfast-logs-*');
  assert.match(doc, /"index_patterns": \["holdfast-logs-\*"\]/, 'the index template covers what both shippers write');
  assert.match(doc, new RegExp(`"${field}": \\{ "type": "keyword" \\}`));
});

test("the doc's example line is what the daemon writes for it, with its real id", () => {
  const text = doc.split('\n');
  const at = text.findIndex((l) => l.startsWith('is written to `web.stdout.log` as'));
  const input = text[at - 3]!;
  const output = text[at + 3]!;
  assert.match(input, /^\{"level":50/);
  const pm = new ProgramMiner({ detector: false });
  const stream = pm.stream();
  const a = new TemplateAnnotator(
    { field: 'template_id', textField: false },
    { stream: () => stream, allow: () => true, charge: () => {}, before: () => {}, release: () => {}, maxLineBytes: 65536 },
  );
  assert.equal(a.write(Buffer.from(`${input}\n`)).toString(), `${output}\n`);
  const id = (JSON.parse(output) as { template_id: string }).template_id;
  assert.match(doc, new RegExp(`template_id = "${id}"`), 'the LogQL example names the same id');
});
