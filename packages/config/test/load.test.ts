import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { tempDir } from '@holdfast/testkit';
import { ConfigError, bytes, duration, loadConfigFile, parseConfigText, signalName, toJsonSchema } from '../src/index.ts';

const program = z.strictObject({
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  stopSignal: signalName().default('SIGTERM'),
  stopTimeout: duration().default(10_000),
  memory: bytes().optional(),
  autorestart: z.enum(['always', 'on-failure', 'never']).default('on-failure'),
  instances: z.number().int().positive().default(1),
});
const schema = z.strictObject({ programs: z.record(z.string(), program) });

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'HOLDFAST_E_CONFIG');
    return err.issues;
  }
  assert.fail('expected the config to be rejected');
}

test('a valid file parses with units converted and defaults applied', () => {
  const text = 'programs:\n  web:\n    command: node app.js\n    stopTimeout: 5s\n    memory: 512MiB\n    stopSignal: int\n';
  const cfg = parseConfigText(text, schema);
  const expected = { command: 'node app.js', stopSignal: 'SIGINT', stopTimeout: 5000, memory: 512 * 2 ** 20 };
  assert.deepEqual(cfg.programs.web, { ...expected, autorestart: 'on-failure', instances: 1 });
});

test('an unknown key is reported at its line and column with a did-you-mean', () => {
  const issues = issuesOf(() => parseConfigText('programs:\n  web:\n    command: x\n    stop_signal: TERM\n', schema, { file: 'h.yaml' }));
  assert.equal(issues.length, 1);
  const path = ['programs', 'web', 'stop_signal'];
  const hint = "did you mean 'stopSignal'?";
  assert.deepEqual({ ...issues[0] }, { file: 'h.yaml', line: 4, column: 5, path, message: "unknown key 'stop_signal'", hint });
});

test('every problem is reported at once, each at its own line', () => {
  const text = 'programs:\n  a:\n    command: x\n    instances: -2\n  b:\n    stopSignal: SIGNOPE\n    autorestart: alway\n';
  const issues = issuesOf(() => parseConfigText(text, schema, { file: 'h.yaml' }));
  const byPath = Object.fromEntries(issues.map((i) => [i.path.join('.'), i]));
  assert.equal(byPath['programs.a.instances']?.line, 4);
  assert.equal(byPath['programs.b.stopSignal']?.line, 6);
  assert.match(byPath['programs.b.stopSignal']!.message, /not a signal name/);
  assert.equal(byPath['programs.b.autorestart']?.hint, "did you mean 'always'?");
  assert.match(byPath['programs.b.command']!.message, /missing required field/);
  assert.equal(byPath['programs.b.command']?.line, 5, 'a missing field points at its parent key');
});

test('YAML syntax errors and duplicate keys name the line', () => {
  const issues = issuesOf(() => parseConfigText('programs:\n  web:\n    command: [a, b\n', schema, { file: 'bad.yaml' }));
  assert.match(issues[0]!.message, /YAML syntax/);
  assert.ok(issues[0]!.line! >= 3);
  const dup = issuesOf(() => parseConfigText('programs:\n  web:\n    command: a\n    command: b\n', schema));
  assert.equal(dup[0]!.line, 4);
});

test('JSON files load with the same error positions', (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'c.json');
  writeFileSync(f, '{\n  "programs": {\n    "web": { "command": "x", "memory": "lots" }\n  }\n}\n');
  const issues = issuesOf(() => loadConfigFile(f, schema));
  assert.equal(issues[0]!.file, f);
  assert.equal(issues[0]!.line, 3);
  assert.match(issues[0]!.message, /not a size/);
});

test('a missing file is a config error with a fix', () => {
  const issues = issuesOf(() => loadConfigFile('/nonexistent/holdfast.yaml', schema));
  assert.match(issues[0]!.message, /file not found/);
  assert.match(issues[0]!.hint!, /-c/);
});

test('the error message renders file:line:column path: reason', () => {
  try {
    parseConfigText('programs:\n  web:\n    commnd: x\n', schema, { file: 'h.yaml' });
    assert.fail('should throw');
  } catch (err) {
    assert.match((err as Error).message, /h\.yaml:3:5 {2}programs\.web\.commnd: unknown key 'commnd' \(did you mean 'command'\?\)/);
  }
});

test('JSON Schema export describes the input form', () => {
  const js = toJsonSchema(schema, 'holdfast') as { title: string; properties: { programs: unknown } };
  assert.equal(js.title, 'holdfast');
  assert.ok(js.properties.programs);
});
