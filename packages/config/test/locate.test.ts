import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SourceMap } from '@holdfast/config/locate';

const text = ['programs:', '  web:', '    command: node app.js', '    listen:', '      - port: 8080', '      - host: 0.0.0.0', ''].join(
  '\n',
);

test('a path points at its key by default, or at its value', () => {
  const map = new SourceMap(text);
  assert.deepEqual(map.locate(['programs', 'web', 'command']), { line: 3, column: 5 });
  assert.deepEqual(map.locate(['programs', 'web', 'command'], { at: 'value' }), { line: 3, column: 14 });
  assert.deepEqual(map.locate(['programs', 'web', 'listen', 0, 'port']), { line: 5, column: 9 });
  assert.deepEqual(map.locate(['programs', 'web', 'listen', 1]), { line: 6, column: 9 });
});

test('something missing points at the key or the list item that lacks it', () => {
  const map = new SourceMap(text);
  assert.deepEqual(map.locate(['programs', 'web', 'cwd']), { line: 2, column: 3 });
  assert.deepEqual(map.locate(['programs', 'web', 'listen', 1, 'port'], { at: 'value' }), { line: 6, column: 9 });
  assert.deepEqual(map.locate(['programs', 'web', 'listen', 7]), { line: 4, column: 5 });
  assert.deepEqual(map.locate(['nope']), { line: 1, column: 1 });
});

test('JSON is located the same way', () => {
  const map = new SourceMap('{\n  "flow": [\n    { "id": "a",\n      "threshold": -1 }\n  ]\n}\n');
  assert.deepEqual(map.locate(['flow', 0, 'threshold']), { line: 4, column: 7 });
});
